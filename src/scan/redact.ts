/**
 * Redacted previews of tokens, for every place a human sees a finding (CLI, emails, API, logs).
 * At most 8 characters of the secret are ever shown, and fewer for short values, so a preview
 * identifies a token to its owner without being usable.
 *
 * @example
 * redact('ghp_' + 'x'.repeat(36)) // 'ghp_…xxxx'
 */

/** First 4 and last 4 characters around an ellipsis; a quarter of each end for values under 16 characters. */
export function redact(secret: string): string {
  const n = Math.min(4, Math.floor(secret.length / 4))
  if (n === 0) return '…'
  return `${secret.slice(0, n)}…${secret.slice(-n)}`
}
