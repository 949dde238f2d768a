import { describe, expect, it } from 'vitest'
import { chooseRecipients, isNoreplyAddress } from '../../src/notify/recipients.js'

describe('chooseRecipients', () => {
  it('prefers the owner the issuer named, and copies the security addresses', () => {
    expect(
      chooseRecipients({
        ownerEmail: 'owner@contoso.example',
        authorEmail: 'author@contoso.example',
        pusherEmail: 'pusher@contoso.example',
        securityEmails: ['sec@contoso.example'],
      }),
    ).toEqual([
      { address: 'owner@contoso.example', reason: 'owner' },
      { address: 'sec@contoso.example', reason: 'security' },
    ])
  })

  it('falls back to the commit author, then to the pusher when the author hides behind GitHub noreply', () => {
    expect(
      chooseRecipients({
        authorEmail: 'author@contoso.example',
        pusherEmail: 'pusher@contoso.example',
        securityEmails: [],
      }),
    ).toEqual([{ address: 'author@contoso.example', reason: 'commit-author' }])
    expect(
      chooseRecipients({
        authorEmail: '1234+dev@users.noreply.github.com',
        pusherEmail: 'pusher@contoso.example',
        securityEmails: [],
      }),
    ).toEqual([{ address: 'pusher@contoso.example', reason: 'pusher' }])
    expect(isNoreplyAddress('dev@USERS.NOREPLY.GITHUB.COM')).toBe(true)
    expect(isNoreplyAddress('dev@users.noreply.ghe.corp.example')).toBe(true)
    expect(isNoreplyAddress('noreply-fan@contoso.example')).toBe(false)
  })

  it('sends to security only when nobody else has a usable address', () => {
    expect(
      chooseRecipients({
        authorEmail: '9+x@users.noreply.github.com',
        pusherEmail: 'CORP\\dev',
        securityEmails: ['sec@contoso.example'],
      }),
    ).toEqual([{ address: 'sec@contoso.example', reason: 'security' }])
    expect(chooseRecipients({ securityEmails: [] })).toEqual([])
  })

  it('dedupes case-insensitively, keeping the first reason', () => {
    expect(
      chooseRecipients({
        ownerEmail: 'Dev@Contoso.example',
        securityEmails: ['dev@contoso.example', 'sec@contoso.example', 'SEC@contoso.example'],
      }),
    ).toEqual([
      { address: 'Dev@Contoso.example', reason: 'owner' },
      { address: 'sec@contoso.example', reason: 'security' },
    ])
  })

  it('passes over anything that is not one plain address (header injection, lists, display names)', () => {
    const bad = [
      'a@b.example\r\nBcc: evil@x.example',
      'a@b.example, c@d.example',
      'Dev <dev@contoso.example>',
      'nobody',
      ' ',
    ]
    for (const ownerEmail of bad) {
      expect(chooseRecipients({ ownerEmail, pusherEmail: 'pusher@contoso.example', securityEmails: [] })).toEqual([
        { address: 'pusher@contoso.example', reason: 'pusher' },
      ])
    }
    expect(chooseRecipients({ authorEmail: '  spaced@contoso.example ', securityEmails: [] })).toEqual([
      { address: 'spaced@contoso.example', reason: 'commit-author' },
    ])
  })
})

describe('PATROL_NOTIFY_DOMAINS', () => {
  it('withholds owner and author addresses outside the domains, saying why, and mails the security list anyway', () => {
    expect(
      chooseRecipients({
        ownerEmail: 'owner@evil.example',
        authorEmail: 'author@eu.contoso.example',
        securityEmails: ['sec@elsewhere.example'],
        notifyDomains: ['contoso.example'],
      }),
    ).toEqual([
      { address: 'owner@evil.example', reason: 'owner', withheld: 'outside PATROL_NOTIFY_DOMAINS (contoso.example)' },
      { address: 'author@eu.contoso.example', reason: 'commit-author' },
      { address: 'sec@elsewhere.example', reason: 'security' },
    ])
    expect(
      chooseRecipients({ authorEmail: 'x@notcontoso.example', securityEmails: [], notifyDomains: ['contoso.example'] }),
    ).toEqual([
      {
        address: 'x@notcontoso.example',
        reason: 'commit-author',
        withheld: 'outside PATROL_NOTIFY_DOMAINS (contoso.example)',
      },
    ])
  })
})
