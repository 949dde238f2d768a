/**
 * Recognising single escape sequences (`%XX`, `\uXXXX`, `\u{X…}`, `\xXX`) in place, without decoding a
 * whole run. Detectors use it so that a token right after an escape (`user%3Aghp_…`,
 * `\u0022ghp_…`) still counts as starting at a boundary, and the engine uses it to decide whether
 * a run's escapes could hide token characters at all before paying for a decoded view.
 *
 * @example
 * escapeEndingAt('u%3Aghp_', 3)   // true: text[1..3] is '%3A'
 * escapedUnitAt('\\u0067', 0)     // { unit: 0x67, length: 6 }
 */

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** The number written by `digits` hex digits at `text[at]`, or -1. */
export function hexAt(text: string, at: number, digits: number): number {
  if (at < 0 || at + digits > text.length) return -1
  let v = 0
  for (let i = 0; i < digits; i++) {
    const h = hexValue(text.charCodeAt(at + i))
    if (h < 0) return -1
    v = v * 16 + h
  }
  return v
}

/** The code unit an escape starting at `text[at]` stands for and the escape's length, or undefined. */
export function escapedUnitAt(text: string, at: number): { unit: number; length: number } | undefined {
  const c = text.charCodeAt(at)
  if (c === 0x25 /* % */) {
    const v = hexAt(text, at + 1, 2)
    return v < 0 ? undefined : { unit: v, length: 3 }
  }
  if (c !== 0x5c /* \ */) return undefined
  const kind = text.charCodeAt(at + 1)
  if (kind === 0x75 /* u */) {
    if (text.charCodeAt(at + 2) === 0x7b /* { */) return bracedAt(text, at)
    const v = hexAt(text, at + 2, 4)
    return v < 0 ? undefined : { unit: v, length: 6 }
  }
  if (kind === 0x78 /* x */) {
    const v = hexAt(text, at + 2, 2)
    return v < 0 ? undefined : { unit: v, length: 4 }
  }
  if (kind === 0x2f /* / */ || kind === 0x5c) return { unit: kind, length: 2 }
  return undefined
}

/** Most hex digits in `\u{…}` (ES2015, Rust, Swift): code points go up to 10FFFF. */
const MAX_BRACED_DIGITS = 6

/** `\u{X…}` at `text[at]`: 1 to 6 hex digits in braces. */
function bracedAt(text: string, at: number): { unit: number; length: number } | undefined {
  for (let digits = 1; digits <= MAX_BRACED_DIGITS; digits++) {
    if (text.charCodeAt(at + 3 + digits) !== 0x7d /* } */) continue
    const v = hexAt(text, at + 3, digits)
    return v < 0 || v > 0x10ffff ? undefined : { unit: v, length: digits + 4 }
  }
  return undefined
}

/** True when `text[last]` is the final character of a `%XX`, `\uXXXX`, `\u{X…}` or `\xXX` escape. */
export function escapeEndingAt(text: string, last: number): boolean {
  if (text.charCodeAt(last - 2) === 0x25 && hexAt(text, last - 1, 2) >= 0) return true
  if (text.charCodeAt(last) === 0x7d /* } */) {
    for (let digits = 1; digits <= MAX_BRACED_DIGITS; digits++) {
      const at = last - digits - 3
      if (text.charCodeAt(at) === 0x5c && text.charCodeAt(at + 1) === 0x75)
        return bracedAt(text, at)?.length === digits + 4
    }
    return false
  }
  if (text.charCodeAt(last - 5) === 0x5c && text.charCodeAt(last - 4) === 0x75 && hexAt(text, last - 3, 4) >= 0)
    return true
  return text.charCodeAt(last - 3) === 0x5c && text.charCodeAt(last - 2) === 0x78 && hexAt(text, last - 1, 2) >= 0
}
