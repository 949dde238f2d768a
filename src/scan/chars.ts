/**
 * Character classes as lookup tables over ASCII, for the scanner's hand-written loops (a table
 * lookup per character is what lets the scanner avoid regular expressions on hot paths).
 * Each table is indexed by a UTF-16 code unit below 128; anything above is in no class.
 *
 * @example
 * isIn(ALNUM, text.charCodeAt(i))
 */

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128)
  for (const part of chars.split(' ')) {
    if (part.length === 3 && part[1] === '-') {
      for (let c = part.charCodeAt(0); c <= part.charCodeAt(2); c++) t[c] = 1
    } else {
      for (let i = 0; i < part.length; i++) t[part.charCodeAt(i)] = 1
    }
  }
  return t
}

/** `[A-Za-z0-9]`: Azure DevOps PAT characters, GitHub token bodies. */
export const ALNUM = table('A-Z a-z 0-9')
/** `[A-Za-z0-9_]`: the characters that may not touch a GitHub token. */
export const WORD = table('A-Z a-z 0-9 _')
/** `[a-z2-7]`: lower-case base32, Azure DevOps legacy PATs. */
export const BASE32_LOWER = table('a-z 2-7')
/** `[A-Za-z0-9+/_-]`: base64 and base64url text (padding excluded). */
export const BASE64 = table('A-Z a-z 0-9 + / _ -')
/** `[A-Za-z0-9_-]`: one base64url segment of a JWT. */
export const BASE64URL = table('A-Z a-z 0-9 _ -')
/** `[A-Za-z0-9+/=]`: what may not follow an Azure DevOps PAT (it is base64 text itself). */
export const ADO_TAIL = table('A-Z a-z 0-9 + / =')
/**
 * What the skip search looks for: legacy and fine-grained PATs, base64 of either alphabet, `%XX`
 * and `\uXXXX` escapes. (No `.`: JWT tokens are found by their `ghs_` prefix, and dots would join
 * `a.b.c` member chains into long runs that cost time and hold nothing.)
 */
export const RUN = table('A-Z a-z 0-9 + / _ - % \\')
/** Characters of any token, JWT dots included: decoded text without 40 of these in a row holds none. */
export const TOKEN_TEXT = table('A-Z a-z 0-9 + / _ - . % \\')

export function isIn(t: Uint8Array, code: number): boolean {
  return code < 128 && t[code] === 1
}
