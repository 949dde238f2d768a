/**
 * The order of waiting GitHub tokens for the batched revocation (fair-share.ts): round robin across authors, then
 * across each author's pushes, so a push of thousands of tokens cannot hold back a later leak (issue 14).
 */
import { describe, expect, it } from 'vitest'
import { fairOrder, type WaitingToken } from '../../src/platforms/github/fair-share.js'
import { GITHUB_REVOKE_BATCH_MAX } from '../../src/platforms/github/issuer.js'

describe('fair order of waiting GitHub tokens', () => {
  it('puts a later leak by another author in the first call, ahead of a 2,500-token push that came before it', () => {
    const flood: WaitingToken[] = Array.from({ length: 2_500 }, (_, i) => ({ id: i + 1, push: 1, author: 'mallory' }))
    const real: WaitingToken = { id: 2_501, push: 2, author: 'dev@acme.example' }
    const firstCall = fairOrder([...flood, real]).slice(0, GITHUB_REVOKE_BATCH_MAX)
    expect(firstCall).toContain(real.id)
    expect(firstCall.indexOf(real.id)).toBe(1)
  })

  it('shares one author’s places across their pushes, and keeps each push’s tokens oldest first', () => {
    const waiting: WaitingToken[] = [
      { id: 1, push: 10, author: 'a' },
      { id: 2, push: 10, author: 'a' },
      { id: 3, push: 10, author: 'a' },
      { id: 4, push: 11, author: 'a' },
      { id: 5, push: 12, author: 'b' },
      { id: 6, push: 12, author: 'b' },
      { id: 7, push: null, author: null },
    ]
    expect(fairOrder(waiting)).toEqual([1, 5, 7, 4, 6, 2, 3])
  })

  it('keeps every token exactly once', () => {
    const waiting = Array.from({ length: 300 }, (_, i) => ({ id: i, push: i % 7, author: `x${i % 3}` }))
    expect(fairOrder(waiting).sort((a, b) => a - b)).toEqual(waiting.map((w) => w.id))
  })
})
