/**
 * Webhook requests for the Workers tests: a GitHub push signed with the test secret (Web Crypto, as in workerd).
 *
 * @example
 * const request = await githubPushRequest(scenario.githubPush.body, 'delivery-7')
 */
import { env } from 'cloudflare:workers'

export async function hmacSha256Hex(secret: string, body: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes))
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export async function githubPushRequest(body: string, deliveryId: string): Promise<Request> {
  return new Request('https://patrol.example/webhooks/github', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': `sha256=${await hmacSha256Hex(env.GITHUB_WEBHOOK_SECRET, body)}`,
    },
    body,
  })
}
