/**
 * Decoders for the ways tokens leak encoded: base64 and base64url (including Basic-auth values
 * such as `":" + PAT` and base64 of UTF-16LE, as old PowerShell docs wrote it), percent-encoding
 * and `\uXXXX` / `\xXX` escapes. Each turns a run of encoded text into a *view*: plain text for
 * the detectors to re-scan, plus a map from positions in the view back to the encoded text, so a
 * finding is reported where the encoded token starts. URL userinfo is recognised separately
 * ({@link inUrlUserinfo}): a token there is plain text, only labelled by its context.
 *
 * Decoding is lenient by design: text near a leak is messy (a stray `n` from a JSON `\n` glued to
 * a base64 value, a trailing newline from `echo | base64`), so bytes that are not printable become
 * line breaks instead of failing the decode.
 *
 * @example
 * base64Views('OmdocF8…', 0, 56)[0].text // ':ghp_…'
 */

import { isIn, TOKEN_TEXT } from './chars.js'
import { BASE64_VALUES, base64Decode } from './checksums/base64.js'
import { escapedUnitAt } from './escapes.js'

/** Decoded text and how to find, for a position in it, where its encoded form starts. */
export interface DecodedView {
  text: string
  encoding: string
  outer(index: number): number
}

/** The shortest token is 40 characters; decoded text without a run that long cannot hold one. */
const MIN_TOKEN_LENGTH = 40
/** Base64 runs shorter than this cannot hold 40 bytes (with a stray character or two in front). */
export const MIN_BASE64_RUN = 52

const NEWLINE = 0x0a

function printable(b: number): boolean {
  return b >= 0x20 && b <= 0x7e
}

/** True when `bytes` has `MIN_TOKEN_LENGTH` consecutive token characters, stepping `stride` from `from`. */
function hasLongRun(bytes: Uint8Array, from: number, stride: number): boolean {
  let run = 0
  for (let i = from; i + stride - 1 < bytes.length; i += stride) {
    const b = bytes[i] ?? 0
    const ok = b < 128 && TOKEN_TEXT[b] === 1 && (stride === 1 || bytes[i + 1] === 0)
    if (ok) {
      if (++run >= MIN_TOKEN_LENGTH) return true
    } else run = 0
  }
  return false
}

const ASCII = new TextDecoder('latin1')

/** Bytes as ASCII text; anything unprintable becomes a line break. */
function asciiText(bytes: Uint8Array): string {
  const copy = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0
    copy[i] = printable(b) ? b : NEWLINE
  }
  return ASCII.decode(copy)
}

/** UTF-16LE bytes (from `align`) as text: printable ASCII code units kept, everything else a line break. */
function utf16Text(bytes: Uint8Array, align: number): string {
  const out = new Uint8Array((bytes.length - align) >> 1)
  for (let i = 0; i < out.length; i++) {
    const lo = bytes[align + 2 * i] ?? 0
    const hi = bytes[align + 2 * i + 1] ?? 0
    out[i] = hi === 0 && printable(lo) ? lo : NEWLINE
  }
  return ASCII.decode(out)
}

/** Groups of 4 base64 characters (3 bytes) needed to hold a token: 40 bytes need 12 whole groups. */
const MIN_ASCII_GROUPS = 12

/** True when the base64 group at `text[g]` (whole before `last`) decodes to 3 bytes below 0x80. */
function asciiGroupAt(text: string, g: number, last: number): boolean {
  if (g >= last) return false
  const values = BASE64_VALUES
  const c0 = text.charCodeAt(g)
  const v0 = c0 < 128 ? values[c0]! : -1
  if (v0 < 0 || v0 >= 32) return false
  const c1 = text.charCodeAt(g + 1)
  const c2 = text.charCodeAt(g + 2)
  return ((c1 < 128 ? values[c1]! : -1) & 8) === 0 && ((c2 < 128 ? values[c2]! : -1) & 2) === 0
}

/** Distance between the windows the skip search in {@link base64Views} looks at. */
const WINDOW_STRIDE = MIN_ASCII_GROUPS * 4 - 8

/**
 * Views of the base64 run `text[from, to)`.
 *
 * Decoding every long run would cost more than everything else the scanner does, so runs are
 * first checked without decoding. A token (or `user:` + token, or its UTF-16LE form) is bytes
 * below 0x80, and a group of 4 base64 characters decodes to 3 such bytes exactly when its first
 * character's value is below 32 and two bits of the next two are clear. Only stretches of at least
 * 12 such groups in a row are decoded, at each of the 4 possible alignments (the value may start
 * after a few stray characters glued to it). Paths, identifiers and hashes fail within a group or two.
 *
 * Even checking every group is too slow for megabytes of identifiers, so this is a skip search: a
 * stretch of 12 groups (48 characters) holds two whole groups in a row in any 8 characters of it,
 * so windows of 8 characters every 40 are looked at, and only a window with two such groups in one
 * alignment is followed out to its stretch.
 */
export function base64Views(text: string, from: number, to: number): DecodedView[] {
  const views: DecodedView[] = []
  if (to - from < MIN_ASCII_GROUPS * 4) return views
  const last = to - 3
  // Per alignment (lane): groups before this position have been followed already.
  const done = [from, from, from, from]
  const stretches: number[] = []
  for (let q = from; q + 4 < last; q += WINDOW_STRIDE) {
    for (let g = q; g < q + 4; g++) {
      const lane = (g - from) & 3
      if (g < done[lane]! || !asciiGroupAt(text, g, last) || !asciiGroupAt(text, g + 4, last)) continue
      let start = g
      while (start - 4 >= done[lane]! && asciiGroupAt(text, start - 4, last)) start -= 4
      let end = g + 8
      while (asciiGroupAt(text, end, last)) end += 4
      done[lane] = end + 4
      if (end - start >= MIN_ASCII_GROUPS * 4) stretches.push(start, end)
    }
  }
  // In the order the stretches end, with one more group on the right: an unpadded value ends in a partial group.
  const order: number[] = []
  for (let i = 0; i < stretches.length; i += 2) order.push(i)
  if (order.length > 1) order.sort((a, b) => stretches[a + 1]! - stretches[b + 1]!)
  for (const i of order) addViews(text, stretches[i]!, Math.min(stretches[i + 1]! + 4, to), views)
  return views
}

function addViews(text: string, start: number, end: number, views: DecodedView[]): void {
  let url = false
  for (let i = start; i < end && !url; i++) {
    const c = text.charCodeAt(i)
    url = c === 0x2d || c === 0x5f
  }
  const name = url ? 'base64url' : 'base64'
  const bytes = base64Decode(text, start, end)
  const outer = (byte: number): number => start + 4 * Math.floor(byte / 3)
  if (hasLongRun(bytes, 0, 1)) views.push({ text: asciiText(bytes), encoding: name, outer })
  for (const align of [0, 1]) {
    if (hasLongRun(bytes, align, 2)) {
      views.push({ text: utf16Text(bytes, align), encoding: `${name}>utf16le`, outer: (i) => outer(align + 2 * i) })
    }
  }
}

/** Builds a view from decoded code units and, for each, the offset of its encoded form. */
function viewOf(units: number[], offsets: number[], encoding: string): DecodedView | undefined {
  const bytes = new Uint8Array(units.length)
  for (let i = 0; i < units.length; i++) {
    const u = units[i] ?? 0
    bytes[i] = u < 0x80 && printable(u) ? u : NEWLINE
  }
  if (!hasLongRun(bytes, 0, 1)) return undefined
  return { text: ASCII.decode(bytes), encoding, outer: (i) => offsets[i] ?? offsets[offsets.length - 1] ?? 0 }
}

/**
 * The decoded view of `text[from, to)` for one family of escapes: `percent` (`%XX`) or
 * `unicode-escape` (`\uXXXX`, `\xXX`, `\/` as in JSON, JavaScript and C#). Other characters are kept;
 * undefined when nothing was decoded or the result cannot hold a token.
 */
export function unescapedView(
  text: string,
  from: number,
  to: number,
  family: 'percent' | 'unicode-escape',
): DecodedView | undefined {
  const lead = family === 'percent' ? 0x25 : 0x5c
  const units: number[] = []
  const offsets: number[] = []
  let escapes = 0
  for (let i = from; i < to; i++) {
    offsets.push(i)
    const c = text.charCodeAt(i)
    if (c === lead) {
      const e = escapedUnitAt(text, i)
      if (e && i + e.length <= to) {
        units.push(e.unit)
        escapes++
        i += e.length - 1
        continue
      }
      // Any other backslash escape (\n, \t, …) separates values.
      if (lead === 0x5c) {
        units.push(NEWLINE)
        continue
      }
    }
    units.push(c)
  }
  return escapes === 0 ? undefined : viewOf(units, offsets, family)
}

/** Characters allowed in URL userinfo (RFC 3986 unreserved, sub-delims, `%` and `:`). */
const USERINFO = (() => {
  const t = new Uint8Array(128)
  for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=%:")
    t[ch.charCodeAt(0)] = 1
  return t
})()

const MAX_USERINFO = 2048

/**
 * True when `text[at]` lies in the userinfo of a URL (`scheme://user:PAT@host`, `https://PAT@host`),
 * the form in which tokens leak through git remotes, CI logs and package manifests.
 */
export function inUrlUserinfo(text: string, at: number): boolean {
  let i = at
  const floor = Math.max(0, at - MAX_USERINFO)
  while (i > floor && isIn(USERINFO, text.charCodeAt(i - 1))) i--
  if (!(text.charCodeAt(i - 1) === 0x2f && text.charCodeAt(i - 2) === 0x2f && text.charCodeAt(i - 3) === 0x3a))
    return false
  const ceiling = Math.min(text.length, at + MAX_USERINFO)
  for (let j = at; j < ceiling; j++) {
    const c = text.charCodeAt(j)
    if (c === 0x40 /* @ */) return true
    if (!isIn(USERINFO, c)) return false
  }
  return false
}
