/**
 * Open-loop push load for the benchmarks: push n goes out at start + n/rate, whether or not earlier ones were
 * answered. Each push adds one file holding a fresh GitHub token (planted in the bench stand-in by head SHA); the
 * time each token was posted is kept, to measure push to revocation call.
 *
 * @example
 * const load = await postPushes({ url: patrol.url, secret, gh, total: 600, rate: 20, prefix: 'e2e' })
 * load.postedAt // token → performance.now() when its push was posted; load.refused; load.reasons // 'HTTP 401' → 3
 */
import { githubDeliveryHeaders } from '../../test/support/github-signing.js'
import { generateGithubToken } from '../../test/support/tokens.js'
import type { GithubBenchApi } from './github-bench-api.js'
import { pushPayload, sha } from './push-payload.js'

export async function postPushes(o: {
  url: string
  secret: string
  gh: GithubBenchApi
  total: number
  rate: number
  prefix: string
}): Promise<{ postedAt: Map<string, number>; refused: number; reasons: Map<string, number> }> {
  const postedAt = new Map<string, number>()
  let refused = 0
  /** Why pushes were refused or failed: the answer's status, or the error. */
  const reasons = new Map<string, number>()
  const refuse = (reason: string) => {
    refused++
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
  }
  const started = performance.now()
  const inflight: Promise<void>[] = []
  for (let n = 0; n < o.total; n++) {
    const wait = started + (n * 1000) / o.rate - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const token = generateGithubToken('ghp')
    const head = sha(n)
    o.gh.plant(head, token)
    const body = JSON.stringify(pushPayload({ repo: 'acme/app', head }))
    postedAt.set(token, performance.now())
    inflight.push(
      fetch(`${o.url}/webhooks/github`, {
        method: 'POST',
        headers: githubDeliveryHeaders(body, o.secret, `${o.prefix}-${n}`),
        body,
      })
        .then(async (res) => {
          await res.arrayBuffer()
          if (res.status !== 202) refuse(`HTTP ${res.status}`)
        })
        .catch((error: unknown) => refuse(String((error as Error & { cause?: Error }).cause ?? error))),
    )
  }
  await Promise.all(inflight)
  return { postedAt, refused, reasons }
}
