/**
 * A copy of a short string that does not keep the text it was cut from alive.
 *
 * JavaScript engines represent `text.slice(…)` of a long string as a view into it, so a 93-character
 * token sliced from a 1 MB piece of a diff would pin the whole piece in memory for as long as the
 * finding lives. Scanning 300 MB from standard input with bounded memory needs findings (secrets,
 * paths, commits) to own their characters; JSON.parse builds a fresh string in every engine.
 *
 * @example
 * const secret = detach(text.slice(start, end))
 */
export function detach(value: string): string {
  return JSON.parse(JSON.stringify(value)) as string
}
