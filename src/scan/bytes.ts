/**
 * Text held as bytes: a string with one character per byte (what Node calls a `latin1` string),
 * as the CLI reads diffs without decoding them. Every token and every anchor the engine looks for
 * is ASCII, and a byte of UTF-8 is ASCII exactly when the character it belongs to is, so the
 * engine finds the same hits in the bytes as in the decoded text. Only what is shown to people is
 * decoded, here: paths, and the column of a hit (counted in UTF-16 code units, as in decoded text).
 *
 * @example
 * decodeBytes('caf\u00c3\u00a9')          // 'café'
 * utf16Length('\u00e2\u0082\u00acx', 0, 4) // 2 (€ and x)
 */

/** True when `text[from, to)` has a character outside ASCII. */
function hasHighByte(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) >= 0x80) return true
  return false
}

/** `bytes[from, to)` decoded as UTF-8, invalid sequences as U+FFFD (as the CLI decodes text). */
export function decodeBytes(bytes: string, from = 0, to = bytes.length): string {
  if (!hasHighByte(bytes, from, to)) return bytes.slice(from, to)
  const raw = new Uint8Array(to - from)
  for (let i = from; i < to; i++) raw[i - from] = bytes.charCodeAt(i)
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(raw)
}

/** How many UTF-16 code units `bytes[from, to)` decodes to. */
export function utf16Length(bytes: string, from: number, to: number): number {
  return hasHighByte(bytes, from, to) ? decodeBytes(bytes, from, to).length : to - from
}
