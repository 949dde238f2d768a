/**
 * Strings that arrive in a push (file paths, branch and repository names, author names and addresses) are written
 * by whoever pushed: before one reaches an email or the admin page it loses its control characters, line breaks and
 * bidirectional overrides (each run becomes one space, so a file name cannot start a fake paragraph or reorder what
 * the reader sees), and a long one is cut with an ellipsis. Pure and runtime-neutral; HTML escaping stays the
 * renderer's job.
 *
 * @example
 * pushedText('a.env\n\nVisit http://evil.example/reset') // 'a.env Visit http://evil.example/reset'
 * pushedText('x'.repeat(500), 100)                      // 99 × 'x' + '…'
 */

/** Long enough for real paths and names; anything longer is shown cut (the full value stays in the database). */
export const PUSHED_TEXT_MAX = 300

// C0 and C1 controls, DEL, line and paragraph separators, bidi embeddings/overrides/isolates, BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]+/g

export function pushedText(value: string, max = PUSHED_TEXT_MAX): string {
  const clean = value.replace(UNSAFE, ' ').replace(/ {2,}/g, ' ').trim()
  if (clean.length <= max) return clean
  // Counted in characters, so a cut never splits a surrogate pair.
  const chars = Array.from(clean)
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`
}
