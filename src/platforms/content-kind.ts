/**
 * Decides, from a file's content, whether a push source should skip it: binary data, minified bundles,
 * generated code and vendored third-party libraries. Judged by content (a path alone never skips a file),
 * because a secret committed as `vendor/config.js` is still a leak.
 *
 * @example
 * skippableKind('dist/app.min.js', 'var a=1;'.repeat(5000)) // 'minified'
 * skippableKind('src/config.ts', 'export const x = 1\n')     // undefined
 */

export type SkippedKind = 'binary' | 'minified' | 'generated' | 'vendored'

/** Git's own heuristic: a NUL byte in the first 8000 bytes makes a file binary. */
export function isBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8000)
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true
  return false
}

// Only the two conventions tools actually stamp (`@generated`, Go's `Code generated … DO NOT EDIT.`): a bare
// "DO NOT EDIT" also heads hand-managed config files, which are exactly where secrets get committed.
const GENERATED_MARKERS = /@generated\b|^\s*(\/\/|#|\/\*|\*|--)?\s*Code generated .* DO NOT EDIT\.?/m
const VENDOR_DIRS = /(^|\/)(vendor|node_modules|third_party|third-party|bower_components)\//
const LICENSE_HEADER = /\b(copyright|@license|licensed under|SPDX-License-Identifier)\b/i

/**
 * `text` is the whole new file, or only its added lines when the source has just a patch;
 * `startsAtTop` says whether `text` begins at line 1 (generated-code markers live in a file's first lines).
 */
export function skippableKind(path: string, text: string, startsAtTop = true): SkippedKind | undefined {
  if (text.includes('\u0000')) return 'binary'
  if (looksMinified(text)) return 'minified'
  const head = startsAtTop ? firstLines(text, 5) : ''
  if (head && GENERATED_MARKERS.test(head)) return 'generated'
  // A path under vendor/ is only a hint; the file must also carry a third-party licence header.
  if (VENDOR_DIRS.test(path) && startsAtTop && LICENSE_HEADER.test(firstLines(text, 20))) return 'vendored'
  return undefined
}

/** Minified code: sizeable, and nearly all of it on very long lines. */
function looksMinified(text: string): boolean {
  if (text.length < 5000) return false
  let longChars = 0
  let start = 0
  while (start <= text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    if (end - start > 1000) longChars += end - start
    start = end + 1
  }
  return longChars / text.length > 0.9
}

function firstLines(text: string, n: number): string {
  let end = -1
  for (let i = 0; i < n; i++) {
    end = text.indexOf('\n', end + 1)
    if (end === -1) return text
  }
  return text.slice(0, end)
}
