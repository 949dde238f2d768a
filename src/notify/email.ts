/**
 * Email as a notifier: one message per person an incident names (the owner, else the commit author or the pusher,
 * and the security addresses; PATROL_NOTIFY_DOMAINS withholds the others, visibly), each its own record with a
 * Message-ID chosen before the first attempt, so a retry repeats it and a mailbox threads it. The content is
 * message.ts's: what leaked, where, what patrol did, what to do now; never the token. The transport is the runtime's
 * `Mailer` (SMTP, the outbox, Workers' `send_email`).
 *
 * @example
 * const email = emailNotifier(mailer, { from: 'patrol@acme.example', securityEmails: ['sec@acme.example'],
 *   publicUrl: 'https://patrol.acme.example' })
 * email.addressees?.({ ownerEmail: 'dev@acme.example' }) // [{ address: 'dev@acme.example', reason: 'owner' }, …]
 */
import type { RevocationOutcome } from '../platforms/types.js'
import type { TokenKind } from '../scan/types.js'
import { EMAIL_EVENTS } from './events.js'
import type { Mailer } from './mailer.js'
import { composeIncidentEmail, composeMassLeakEmail, type IncidentEmailInput } from './message.js'
import type { IncidentFacts, Notifier } from './notifier.js'
import { chooseRecipients, type RecipientReason } from './recipients.js'

export interface EmailSettings {
  from: string
  /** PATROL_SECURITY_EMAILS: told about every incident. */
  securityEmails: string[]
  /** PATROL_PUBLIC_URL, for the link to the incident. */
  publicUrl: string
  /** PATROL_NOTIFY_DOMAINS. */
  notifyDomains?: string[]
}

export function emailNotifier(mailer: Mailer, mail: EmailSettings): Notifier {
  return {
    channel: 'email',
    events: EMAIL_EVENTS,
    addressees: (people) =>
      chooseRecipients({
        ...(people.securityOnly
          ? {}
          : { ownerEmail: people.ownerEmail, authorEmail: people.authorEmail, pusherEmail: people.pusherEmail }),
        securityEmails: mail.securityEmails,
        notifyDomains: mail.notifyDomains,
      }),
    async send({ facts, id, to }) {
      if (!to) throw new Error('an email needs an addressee')
      const notice = facts.notice
      const content =
        notice?.purpose === 'mass_leak'
          ? composeMassLeakEmail(notice.alert)
          : composeIncidentEmail(incidentEmailInput(facts, mail.publicUrl, to.reason))
      const sent = await mailer.send({
        from: mail.from,
        to: [to.address],
        ...content,
        headers: { 'X-Patrol-Incident': String(facts.incident.id) },
        messageId: id,
      })
      return sent.messageId && sent.messageId !== id ? { id: sent.messageId } : undefined
    },
  }
}

/** What patrol recorded, as message.ts takes it. */
function incidentEmailInput(f: IncidentFacts, publicUrl: string, reason: RecipientReason): IncidentEmailInput {
  const queued = f.notice?.purpose === 'revocation_queued' ? f.notice : undefined
  const revocation = (
    queued
      ? { outcome: 'skipped', detail: 'queued: GitHub’s hourly revocation budget is spent' }
      : f.latest
        ? {
            outcome: f.latest.outcome,
            detail: f.latest.detail,
            ...(f.latest.candidates ? { candidates: JSON.parse(f.latest.candidates) } : {}),
          }
        : { outcome: 'skipped', detail: 'no revocation attempted' }
  ) as RevocationOutcome
  return {
    incidentId: f.incident.id,
    kind: f.incident.kind as TokenKind,
    preview: f.incident.preview,
    publishedExample: f.incident.publishedExample,
    locations: f.places.map((o) => ({
      repository: o.repository,
      branch: o.ref ?? undefined,
      commit: o.commitSha || undefined,
      path: o.path,
      line: o.line,
      source: o.source,
      url: o.url ?? undefined,
      links: o.links,
    })),
    revocation,
    advice: f.advice,
    publicUrl,
    detectedAt: new Date(f.incident.firstSeenAt),
    recipientReason: reason,
    ...(queued ? { queued: { plannedAt: new Date(queued.plannedAt) } } : {}),
  }
}
