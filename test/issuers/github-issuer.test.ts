import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GITHUB_REVOKE_BATCH_MAX, GithubIssuer, githubNotRevocable } from '../../src/platforms/github/issuer.js'
import { CALL_RETRY } from '../../src/platforms/remote-error.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { rejection } from '../support/remote-rejection.js'

/** A token-shaped string made at test time (its checksum is not valid: the issuer does not check it). */
function fakeToken(prefix = 'ghp_'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return prefix + Array.from(randomBytes(36), (b) => alphabet[b % 62]).join('')
}

describe('GithubIssuer against a loopback /credentials/revoke', () => {
  let github: GithubCredentialsApi
  beforeEach(async () => {
    github = await startGithubCredentialsApi()
  })
  afterEach(async () => {
    await github.close()
  })

  it('revokes one token with one unauthenticated call and records it as requested', async () => {
    const token = fakeToken()
    const issuer = new GithubIssuer({ apiUrl: `${github.apiUrl}/` })
    const outcome = await issuer.revoke(token, { kind: 'github-classic-pat' })
    expect(outcome.outcome).toBe('requested')
    expect(outcome.detail).not.toContain(token)
    expect(github.calls).toHaveLength(1)
    const call = github.calls[0]!
    expect(call.credentials).toEqual([token])
    expect(call.headers.accept).toBe('application/vnd.github+json')
    expect(call.headers['x-github-api-version']).toBe('2022-11-28')
    expect(call.headers['content-type']).toBe('application/json')
    expect(call.headers.authorization).toBeUndefined()
    expect(github.revoked.has(token)).toBe(true)
  })

  it('works under a GitHub Enterprise Server style prefix', async () => {
    const ghes = await startGithubCredentialsApi({ pathPrefix: '/api/v3' })
    try {
      const token = fakeToken('github_pat_')
      const outcome = await new GithubIssuer({ apiUrl: ghes.apiUrl }).revoke(token, { kind: 'github-fine-grained-pat' })
      expect(outcome.outcome).toBe('requested')
      expect(ghes.revoked.has(token)).toBe(true)
    } finally {
      await ghes.close()
    }
  })

  it('does not send installation tokens: not revocable, no call', async () => {
    const issuer = new GithubIssuer({ apiUrl: github.apiUrl })
    const outcome = await issuer.revoke(fakeToken('ghs_'), { kind: 'github-app-installation' })
    expect(outcome).toEqual({
      outcome: 'not_revocable',
      detail: 'installation token: expires within an hour, not revocable',
    })
    expect(githubNotRevocable(fakeToken('ghs_'), 'github-classic-pat')?.outcome).toBe('not_revocable')
    expect(githubNotRevocable(fakeToken('gho_'), 'github-oauth')).toBeUndefined()
    expect(github.calls).toHaveLength(0)
  })

  it('sends a batch of 1000 tokens in one call, and refuses more without calling', async () => {
    const tokens = Array.from({ length: GITHUB_REVOKE_BATCH_MAX }, () => fakeToken())
    const issuer = new GithubIssuer({ apiUrl: github.apiUrl })
    const outcome = await issuer.revokeBatch(tokens)
    expect(outcome.outcome).toBe('requested')
    expect(outcome.detail).toContain('1000 tokens')
    expect(github.calls).toHaveLength(1)
    expect(github.calls[0]!.credentials).toEqual(tokens)
    expect(github.revoked.size).toBe(1000)

    await expect(issuer.revokeBatch([...tokens, fakeToken()])).rejects.toThrow(RangeError)
    await expect(issuer.revokeBatch([])).rejects.toThrow(RangeError)
    expect(github.calls).toHaveLength(1)
  })

  it('records 422 as a permanent failure, without the token in the detail', async () => {
    const token = fakeToken()
    github.answerNext({ status: 422, body: { message: 'Validation Failed' } })
    const outcome = await new GithubIssuer({ apiUrl: github.apiUrl }).revoke(token, { kind: 'github-classic-pat' })
    expect(outcome.outcome).toBe('failed')
    expect(outcome.detail).toContain('422')
    expect(outcome.detail).not.toContain(token)
  })

  it('throws a rate-limited RemoteError on 429 with Retry-After, for the queue to retry the batch later', async () => {
    const token = fakeToken()
    github.answerNext({ status: 429, headers: { 'retry-after': '120' }, body: { message: 'rate limited' } })
    const error = await rejection(new GithubIssuer({ apiUrl: github.apiUrl }).revokeBatch([token]))
    expect(error.failure).toBe('rate_limited')
    expect(error.retryable).toBe(true)
    expect(error.retryAfterMs).toBe(120_000)
    expect(error.message).not.toContain(token)
    expect(github.revoked.has(token)).toBe(false)
  })

  it('treats 403 with an exhausted rate limit as rate-limited, not as a refusal', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600
    github.answerNext({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded' },
    })
    const error = await rejection(new GithubIssuer({ apiUrl: github.apiUrl }).revokeBatch([fakeToken()]))
    expect(error.failure).toBe('rate_limited')
    expect(error.retryAfterMs).toBeGreaterThan(500_000)
  })

  it('throws a transient RemoteError on a 5xx that outlasts the call’s retries, and succeeds on the next run', async () => {
    const token = fakeToken('gho_')
    const failures = Array.from({ length: CALL_RETRY.tries }, () => ({ status: 502, body: { message: 'Bad Gateway' } }))
    github.answerNext(...failures)
    const issuer = new GithubIssuer({ apiUrl: github.apiUrl })
    const error = await rejection(issuer.revoke(token, { kind: 'github-oauth' }))
    expect(error.failure).toBe('transient')
    expect(error.status).toBe(502)
    const outcome = await issuer.revoke(token, { kind: 'github-oauth' })
    expect(outcome.outcome).toBe('requested')
    expect(github.calls.map((c) => c.status)).toEqual([...failures.map(() => 502), 202])
    expect(github.revoked.has(token)).toBe(true)
  })

  it('gives up on a server that hangs past timeoutMs with a transient error', async () => {
    github.answerNext(...Array.from({ length: CALL_RETRY.tries }, () => ({ hang: true })))
    const error = await rejection(
      new GithubIssuer({ apiUrl: github.apiUrl, timeoutMs: 200 }).revokeBatch([fakeToken()]),
    )
    expect(error.failure).toBe('transient')
    expect(error.message).toContain('timed out')
  })

  it('sees a refusal of authenticated calls as a failure (patrol never sends credentials, a proxy might)', async () => {
    const issuer = new GithubIssuer({
      apiUrl: github.apiUrl,
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), Authorization: 'Bearer proxy' },
        }),
    })
    const outcome = await issuer.revokeBatch([fakeToken()])
    expect(outcome).toMatchObject({ outcome: 'failed' })
    expect(outcome.detail).toContain('403')
  })

  it('cannot tell owner or activity, and makes no call for them', async () => {
    const issuer = new GithubIssuer({ apiUrl: github.apiUrl })
    expect(await issuer.owner(fakeToken(), 'github-classic-pat')).toBeUndefined()
    expect(await issuer.isActive(fakeToken(), 'github-classic-pat')).toBeUndefined()
    expect(github.calls).toHaveLength(0)
  })
})
