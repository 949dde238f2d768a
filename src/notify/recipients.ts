/**
 * Who is told about an incident, and why (issue 5): the token's owner as the issuer knows them; failing that the
 * commit author, unless GitHub hides their address behind noreply; failing that the pusher. The security
 * addresses (PATROL_SECURITY_EMAILS) always. Pure and runtime-neutral.
 *
 * Addresses come from webhook payloads, so anything that is not one plain address (no display name, no spaces,
 * no commas, no line breaks: e.g. Azure DevOps Server's `DOMAIN\user` unique names) is passed over. And anyone can
 * write any address into a commit: with `PATROL_NOTIFY_DOMAINS` set, a person's address outside those domains (or
 * their subdomains) is withheld, not mailed; it is returned with `withheld` saying why, so the incident shows it,
 * and the next source is tried. The security addresses are always mailed.
 *
 * @example
 * chooseRecipients({ authorEmail: '1+dev@users.noreply.github.com', pusherEmail: 'dev@example.com', securityEmails:
 * ['sec@example.com'] })
 * // [{ address: 'dev@example.com', reason: 'pusher' }, { address: 'sec@example.com', reason: 'security' }]
 */

export const RECIPIENT_REASONS = ['owner', 'commit-author', 'pusher', 'security'] as const

export type RecipientReason = (typeof RECIPIENT_REASONS)[number]

export interface Recipient {
  address: string
  reason: RecipientReason
  /** Set when patrol must not mail this address, saying why (shown on the incident). */
  withheld?: string
}

export interface RecipientSources {
  /** From the issuer (Azure DevOps connectionData). */
  ownerEmail?: string
  authorEmail?: string
  pusherEmail?: string
  securityEmails: string[]
  /** PATROL_NOTIFY_DOMAINS: person addresses are mailed only in these domains; empty or absent: any domain. */
  notifyDomains?: string[]
}

/** Whether `address` is in one of `domains` or a subdomain of one. */
export function inDomains(address: string, domains: string[]): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase()
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`))
}

/** GitHub's private-email addresses (`123+login@users.noreply.github.com`, and the GHES equivalent) reach nobody. */
export function isNoreplyAddress(address: string): boolean {
  return /@users\.noreply\./i.test(address)
}

/** One deliverable-looking address: `local@domain.tld`, no spaces, commas, angle brackets or control characters. */
export function isPlainAddress(address: string): boolean {
  return /^[^\s@,;<>"()[\]\\]+@[^\s@,;<>"()[\]\\]+\.[^\s@,;<>"()[\]\\]+$/.test(address) && address.length <= 254
}

export function chooseRecipients(sources: RecipientSources): Recipient[] {
  const usable = (address: string | undefined): string | undefined => {
    const trimmed = address?.trim()
    return trimmed && isPlainAddress(trimmed) && !isNoreplyAddress(trimmed) ? trimmed : undefined
  }
  const chosen: Recipient[] = []
  // The first person source that gives a usable address; the others are fallbacks, not extra recipients.
  const people: [string | undefined, RecipientReason][] = [
    [sources.ownerEmail, 'owner'],
    [sources.authorEmail, 'commit-author'],
    [sources.pusherEmail, 'pusher'],
  ]
  const domains = sources.notifyDomains ?? []
  const security = new Set(sources.securityEmails.map((a) => a.trim().toLowerCase()))
  for (const [address, reason] of people) {
    const ok = usable(address)
    if (!ok) continue
    if (domains.length && !inDomains(ok, domains) && !security.has(ok.toLowerCase())) {
      chosen.push({ address: ok, reason, withheld: `outside PATROL_NOTIFY_DOMAINS (${domains.join(', ')})` })
      continue
    }
    chosen.push({ address: ok, reason })
    break
  }
  for (const address of sources.securityEmails) {
    const ok = usable(address)
    if (ok) chosen.push({ address: ok, reason: 'security' })
  }
  const seen = new Set<string>()
  return chosen.filter((recipient) => {
    const key = recipient.address.toLowerCase()
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** A sentence for the message and the audit trail. */
export function describeReason(reason: RecipientReason): string {
  switch (reason) {
    case 'owner':
      return 'you own the token, according to its issuer'
    case 'commit-author':
      return 'you authored the commit that contains the token'
    case 'pusher':
      return 'you pushed the commit that contains the token'
    case 'security':
      return 'you are on the security list for leaked tokens'
  }
}
