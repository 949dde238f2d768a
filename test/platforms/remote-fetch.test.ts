/**
 * remoteFetch against the loopback GitHub and Azure Repos stand-ins: which failures are retried inside the call,
 * which are handed to the job queue with a delay, and which are refusals that no retry can fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CALL_RETRY, type CallRetry, remoteFetch, SECONDARY_RATE_LIMIT_MS } from '../../src/platforms/remote-error.js'
import { type AzureDevOpsApiStandIn, startAzureDevOpsApi } from '../support/azure-devops-api.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { rejection } from '../support/remote-rejection.js'

let gh: GithubApiStandIn
let az: AzureDevOpsApiStandIn
let head: string
let n = 0

beforeAll(async () => {
  gh = await startGithubApi()
  az = await startAzureDevOpsApi()
})
afterAll(async () => {
  await gh.close()
  await az.close()
})

/** A fresh repository with one commit, and the URL of that commit (a path no other test's fault matches). */
function commitUrl(): string {
  const name = `acme/retry-${++n}`
  head = gh.repo(name).commit({ files: { 'a.txt': 'x\n' } })
  return `${gh.url}/repos/${name}/commits/${head}`
}

/** remoteFetch with its waits recorded instead of slept. */
function fetchRecording(url: string, o: { timeoutMs?: number; credential?: string; retry?: CallRetry } = {}) {
  const waits: number[] = []
  const result = remoteFetch(url, {}, { ...o, sleep: async (ms) => void waits.push(ms) })
  return { result, waits }
}

const calls = (url: string) => gh.requests.filter((r) => url.endsWith(r.path)).length

describe('GitHub rate limits', () => {
  it('waits out a secondary-rate-limit 403 with Retry-After inside the call, then succeeds', async () => {
    const url = commitUrl()
    gh.fail({ match: /retry-\d+\/commits/, status: 403, headers: { 'retry-after': '1' }, times: 2 })
    const { result, waits } = fetchRecording(url)
    expect((await result).status).toBe(200)
    expect(waits).toEqual([1000, 1000])
    expect(calls(url)).toBe(3)
  })

  it('hands a secondary-rate-limit 403 without Retry-After to the job queue with at least a minute to wait', async () => {
    const url = commitUrl()
    gh.fail({
      match: /retry-\d+\/commits/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '4000' },
      body: JSON.stringify({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' }),
    })
    const { result, waits } = fetchRecording(url)
    const error = await rejection(result)
    expect(error).toMatchObject({ failure: 'rate_limited', status: 403, retryAfterMs: SECONDARY_RATE_LIMIT_MS })
    expect(error.retryable).toBe(true)
    expect(error.message).toMatch(/secondary rate limit/)
    expect(waits).toEqual([])
    expect(calls(url)).toBe(1)
  })

  it('waits for x-ratelimit-reset when it is seconds away, and hands a distant reset to the job queue', async () => {
    const near = commitUrl()
    const soon = Math.ceil(Date.now() / 1000) + 2
    gh.fail({
      match: /retry-\d+\/commits/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(soon) },
    })
    const first = fetchRecording(near)
    expect((await first.result).status).toBe(200)
    expect(first.waits).toHaveLength(1)
    expect(first.waits[0]).toBeGreaterThan(500)
    expect(first.waits[0]).toBeLessThanOrEqual(3000)

    const far = commitUrl()
    gh.fail({
      match: /retry-\d+\/commits/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 600) },
    })
    const second = fetchRecording(far)
    const error = await rejection(second.result)
    expect(error.failure).toBe('rate_limited')
    expect(error.retryAfterMs).toBeGreaterThan(590_000)
    expect(second.waits).toEqual([])
  })

  it('treats a 403 with no rate-limit sign as a refusal that names the credential to fix, tried once', async () => {
    const url = commitUrl()
    gh.fail({ match: /retry-\d+\/commits/, status: 403, body: JSON.stringify({ message: 'Resource not accessible' }) })
    const { result, waits } = fetchRecording(url, { credential: 'GITHUB_TOKEN' })
    const error = await rejection(result)
    expect(error).toMatchObject({ failure: 'auth', status: 403 })
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/GITHUB_TOKEN/)
    expect(waits).toEqual([])
    expect(calls(url)).toBe(1)
  })
})

describe('Azure DevOps rate-limit headers', () => {
  it('keeps a 403 that carries X-RateLimit-Delay a refusal: the header says how long a call was slowed', async () => {
    az.fail({ match: /connectionData/, status: 403, headers: { 'x-ratelimit-delay': '3' } })
    const waits: number[] = []
    const error = await rejection(
      remoteFetch(`${az.url}/_apis/connectionData`, {}, { sleep: async (ms) => void waits.push(ms) }),
    )
    expect(error).toMatchObject({ failure: 'auth', status: 403 })
    expect(waits).toEqual([])
  })

  it('retries a 429 with only X-RateLimit-Delay on the short backoff, not on that delay', async () => {
    const repo = az.repo('proj-rl', 'repo-rl')
    const pushId = az.addPush('proj-rl', 'repo-rl', {
      refUpdates: [{ name: 'refs/heads/main', oldObjectId: '0'.repeat(40), newObjectId: repo.commit({}) }],
    })
    const url = `${az.url}/proj-rl/_apis/git/repositories/repo-rl/pushes/${pushId}?api-version=7.1`
    az.fail({ match: /pushes/, status: 429, headers: { 'x-ratelimit-delay': '4.25' } })
    const waits: number[] = []
    const res = await remoteFetch(url, {}, { sleep: async (ms) => void waits.push(ms) })
    expect(res.status).toBe(200)
    expect(waits).toHaveLength(1)
    expect(waits[0]).toBeLessThanOrEqual(CALL_RETRY.baseMs)
  })
})

describe('transient failures', () => {
  it('retries connection resets and 5xx inside the call with growing, capped waits', async () => {
    const url = commitUrl()
    gh.fail({ match: /retry-\d+\/commits/, reset: true })
    gh.fail({ match: /retry-\d+\/commits/, status: 503 })
    gh.fail({ match: /retry-\d+\/commits/, status: 500 })
    const { result, waits } = fetchRecording(url)
    expect((await result).status).toBe(200)
    expect(waits).toHaveLength(3)
    for (const [i, w] of waits.entries()) {
      const step = Math.min(CALL_RETRY.capMs, CALL_RETRY.baseMs * 2 ** i)
      expect(w).toBeGreaterThanOrEqual(step / 2)
      expect(w).toBeLessThanOrEqual(step)
    }
  })

  it('retries a timeout inside the call', async () => {
    const url = commitUrl()
    gh.fail({ match: /retry-\d+\/commits/, hang: true })
    const { result, waits } = fetchRecording(url, { timeoutMs: 200 })
    expect((await result).status).toBe(200)
    expect(waits).toHaveLength(1)
  })

  it('stops retrying a call whose tries have taken its time budget, and gives the job queue the failure', async () => {
    const url = commitUrl()
    // Only this test's repository hangs: tries left unused must not hang the next test's calls.
    gh.fail({ match: new RegExp(`retry-${n}/commits`), hang: true, times: CALL_RETRY.tries })
    const { result, waits } = fetchRecording(url, { timeoutMs: 200, retry: { ...CALL_RETRY, budgetMs: 500 } })
    const error = await rejection(result)
    expect(error).toMatchObject({ failure: 'transient' })
    expect(error.message).toMatch(/timed out/)
    // 200 ms per try: the third would start past 500 ms.
    expect(calls(url)).toBeLessThan(CALL_RETRY.tries)
    expect(calls(url)).toBeGreaterThanOrEqual(2)
    expect(waits).toHaveLength(calls(url) - 1)
  })

  it('gives the job queue a transient error once every try of the call failed', async () => {
    const url = commitUrl()
    gh.fail({ match: /retry-\d+\/commits/, status: 502, times: CALL_RETRY.tries })
    const { result, waits } = fetchRecording(url)
    const error = await rejection(result)
    expect(error).toMatchObject({ failure: 'transient', status: 502 })
    expect(waits).toHaveLength(CALL_RETRY.tries - 1)
    expect(calls(url)).toBe(CALL_RETRY.tries)
  })
})
