/**
 * Redacted previews of tokens, for every place a human sees a finding (CLI, emails, API, logs).
 * At most 8 characters of the secret are ever shown, and fewer for short values, so a preview
 * identifies a token to its owner without being usable. A kind's record (src/kinds) says how many
 * characters of each end its preview keeps.
 *
 * @example
 * redact('ghp_' + 'x'.repeat(36)) // 'ghp_…xxxx'
 */

/** Characters kept from each end of a token. */
export interface Redaction {
  head: number
  tail: number
}

const DEFAULT: Redaction = { head: 4, tail: 4 }
/** Never more than this many characters in all, whatever a record asks. */
const MAX_SHOWN = 8

/** `head` first and `tail` last characters around an ellipsis; at most a quarter of each end for short values. */
export function redact(secret: string, keep: Redaction = DEFAULT): string {
  const quarter = Math.floor(secret.length / 4)
  const head = Math.min(keep.head, quarter, MAX_SHOWN)
  const tail = Math.min(keep.tail, quarter, MAX_SHOWN - head)
  if (head + tail === 0) return '…'
  return `${secret.slice(0, head)}…${tail > 0 ? secret.slice(-tail) : ''}`
}
