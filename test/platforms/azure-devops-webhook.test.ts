import { describe, expect, it } from 'vitest'
import { authenticateAzureHook, constantTimeEqual, parseAzurePush } from '../../src/platforms/azure-devops/webhook.js'
import { ZERO_SHA } from '../../src/platforms/types.js'
import { azurePushSample } from '../support/azure-devops-api.js'

const basic = (user: string, password: string) =>
  new Headers({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })

describe('authenticateAzureHook', () => {
  it('accepts the configured basic-auth credentials and nothing else', () => {
    const expect_ = { user: 'patrol', password: 'hook-password' }
    expect(authenticateAzureHook(basic('patrol', 'hook-password'), expect_)).toBe(true)
    expect(authenticateAzureHook(basic('patrol', 'hook-passwore'), expect_)).toBe(false)
    expect(authenticateAzureHook(basic('patrolx', 'hook-password'), expect_)).toBe(false)
    expect(authenticateAzureHook(basic('patrol', 'hook-password-and-more'), expect_)).toBe(false)
    expect(authenticateAzureHook(new Headers(), expect_)).toBe(false)
    expect(authenticateAzureHook(new Headers({ authorization: 'Bearer hook-password' }), expect_)).toBe(false)
    expect(authenticateAzureHook(new Headers({ authorization: 'Basic !!!not-base64' }), expect_)).toBe(false)
  })

  it('accepts a password-only configuration with any user name left empty', () => {
    expect(authenticateAzureHook(basic('', 'pw'), { password: 'pw' })).toBe(true)
    expect(authenticateAzureHook(basic('someone', 'pw'), { password: 'pw' })).toBe(false)
  })

  it('checks a secret header, case-insensitively by name', () => {
    const header = { name: 'X-Patrol-Secret', value: 's3cr3t:with:colons' }
    expect(authenticateAzureHook(new Headers({ 'x-patrol-secret': 's3cr3t:with:colons' }), { header })).toBe(true)
    expect(authenticateAzureHook(new Headers({ 'x-patrol-secret': 's3cr3t' }), { header })).toBe(false)
    expect(authenticateAzureHook(new Headers(), { header })).toBe(false)
  })

  it('requires every configured check when basic auth and a header are both set', () => {
    const both = { user: 'u', password: 'p', header: { name: 'X-Key', value: 'k' } }
    const headers = basic('u', 'p')
    expect(authenticateAzureHook(headers, both)).toBe(false)
    headers.set('x-key', 'k')
    expect(authenticateAzureHook(headers, both)).toBe(true)
    headers.set('x-key', 'wrong')
    expect(authenticateAzureHook(headers, both)).toBe(false)
  })

  it('refuses everything when nothing is configured', () => {
    expect(authenticateAzureHook(basic('', ''), {})).toBe(false)
    expect(authenticateAzureHook(new Headers(), {})).toBe(false)
  })

  it('compares strings of any length and content', () => {
    expect(constantTimeEqual('', '')).toBe(true)
    expect(constantTimeEqual('é', 'é')).toBe(true)
    expect(constantTimeEqual('a', '')).toBe(false)
    expect(constantTimeEqual('ab', 'ba')).toBe(false)
  })
})

describe('parseAzurePush', () => {
  it('normalizes the documented git.push sample and returns the event id as the delivery id', () => {
    const sample = azurePushSample()
    const result = parseAzurePush(sample)
    if (!result.ok) throw new Error(result.error)
    expect(result.deliveryId).toBe(sample.id)
    const push = result.push
    expect(push.provider).toBe('azure-devops')
    expect(push.pushId).toBe(14)
    expect(push.repository).toMatchObject({
      id: '278d5cd2-584d-4b63-824a-2ba458937249',
      fullName: 'Fabrikam-Fiber-Git/Fabrikam-Fiber-Git',
      projectId: '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c',
      defaultBranch: 'refs/heads/main',
    })
    expect(push.refUpdates).toEqual([
      {
        ref: 'refs/heads/main',
        before: 'aad331d8d3b131fa9ae03cf5e53965b51942618a',
        after: '33b55f7cb7e7e245323987634f960cf4a6e6bc74',
      },
    ])
    expect(push.pusher).toEqual({
      name: 'Jamal Hartnett',
      email: 'fabrikamfiber4@hotmail.com',
      login: 'fabrikamfiber4@hotmail.com',
    })
    expect(push.commits).toEqual([
      {
        id: '33b55f7cb7e7e245323987634f960cf4a6e6bc74',
        message: 'Fixed bug in web.config file',
        author: { name: 'Jamal Hartnett', email: 'fabrikamfiber4@hotmail.com' },
        timestamp: '2015-02-25T19:01:00Z',
        distinct: true,
        url: 'https://dev.azure.com/fabrikam/_git/Fabrikam-Fiber-Git/commit/33b55f7cb7e7e245323987634f960cf4a6e6bc74',
      },
    ])
    expect(push.apiBase).toBe('https://dev.azure.com/fabrikam')
  })

  it('keeps new and deleted refs and marks truncated comments', () => {
    const sample = azurePushSample()
    sample.resource.refUpdates.push({
      name: 'refs/heads/old',
      oldObjectId: '33b55f7cb7e7e245323987634f960cf4a6e6bc74',
      newObjectId: ZERO_SHA,
    })
    sample.resource.commits[0]!.commentTruncated = true
    const result = parseAzurePush(sample)
    if (!result.ok) throw new Error(result.error)
    expect(result.push.refUpdates[1]).toEqual({
      ref: 'refs/heads/old',
      before: '33b55f7cb7e7e245323987634f960cf4a6e6bc74',
      after: ZERO_SHA,
    })
    expect(result.push.commits[0]!.messageTruncated).toBe(true)
  })

  it('names the missing or invalid field', () => {
    const broken = (mutate: (p: any) => void) => {
      const p = azurePushSample()
      mutate(p)
      const r = parseAzurePush(p)
      if (r.ok) throw new Error('expected a validation error')
      return r.error
    }
    expect(broken((p) => delete p.resource.pushId)).toMatch(/^resource\.pushId: /)
    expect(broken((p) => (p.eventType = 'git.pullrequest.created'))).toMatch(/^eventType: /)
    expect(broken((p) => delete p.id)).toMatch(/^id: /)
    expect(broken((p) => (p.resource.refUpdates = []))).toMatch(/^resource\.refUpdates: /)
    expect(broken((p) => (p.resource.refUpdates[0].newObjectId = 'xyz'))).toMatch(
      /^resource\.refUpdates\.0\.newObjectId: /,
    )
    expect(broken((p) => delete p.resource.repository.project)).toMatch(/^resource\.repository\.project: /)
    const r = parseAzurePush(null)
    expect(r.ok).toBe(false)
  })
})
