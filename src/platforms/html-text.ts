/**
 * The text a person sees in an HTML fragment (Azure Boards stores work item fields as HTML): block and line-break
 * tags become line breaks, other tags go, character references are decoded. A token pasted into a description is
 * then one run of characters on its line, as the scanner expects, and `&amp;`-style escapes cannot split it.
 *
 * @example
 * htmlToText('<div>token:&nbsp;<b>abc</b></div><div>next</div>') // 'token: abc\nnext\n'
 */

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

/** Decodes `&amp;`, `&#43;`, `&#x2B;` and the few named references editors write; unknown ones stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref.toLowerCase()] ?? whole
    const code =
      ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
  })
}

/** A run of block tags (`</div><div>`) is one line break; each `<br>` is one. */
const BLOCKS = /(?:<\s*\/?\s*(?:div|p|li|ul|ol|tr|table|h[1-6]|pre|blockquote)\b[^>]*>\s*)+/gi
const BR = /<\s*br\s*\/?\s*>/gi

export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(BR, '\n')
      .replace(BLOCKS, '\n')
      .replace(/<[^>]*>/g, '')
      .replace(/^\n+/, ''),
  )
}
