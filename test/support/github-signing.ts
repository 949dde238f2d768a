/**
 * Signed GitHub webhook deliveries, as GitHub sends them: `X-Hub-Signature-256: sha256=HMAC(secret, body)`, the
 * event name and a delivery GUID. For suites and benchmarks that post many deliveries over real HTTP.
 *
 * @example
 * const body = JSON.stringify(payload)
 * await fetch(`${url}/webhooks/github`, { method: 'POST', headers: githubDeliveryHeaders(body, secret, id), body })
 */
import { createHmac } from 'node:crypto'

export function githubSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

export function githubDeliveryHeaders(
  body: string | Buffer,
  secret: string,
  deliveryId: string,
  event = 'push',
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': githubSignature(body, secret),
  }
}
