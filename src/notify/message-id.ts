/**
 * The `Message-ID` of a notification: 128 random bits and patrol's public host name, so that a second install or a
 * rebuilt database never sends an id a mailbox has seen before (some providers drop repeats). It is stored with the
 * notification before the first attempt, so a retried send carries the same id. Runtime-neutral (Web Crypto).
 *
 * @example
 * newMessageId('https://patrol.example.com') // '<3f9c…e1@patrol.example.com>'
 */
export function newMessageId(publicUrl: string): string {
  const random = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')
  let host = 'patrol.invalid'
  try {
    host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '') || host
  } catch {
    // A public URL is validated at boot; this only guards a caller passing something else.
  }
  return `<${random}@${host}>`
}
