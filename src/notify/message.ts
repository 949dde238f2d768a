/**
 * The email about one incident, as plain text and HTML: what leaked, where, what patrol did, what the owner must do
 * now, and a link back to the incident page. Pure and runtime-neutral (Node and Workers).
 *
 * The input has no raw-token field: only the caller's redacted preview, which is clamped again here in case a
 * caller passes something longer. Everything from a push (paths, branch names, repository names) is untrusted:
 * HTML escapes every value, links come from the platform registry (built on the configured hosts, never from a
 * payload's URLs) and only http(s) ones are shown, the subject has no line breaks.
 *
 * @example
 * const { subject, text, html } = composeIncidentEmail({
 *   incidentId: 42, kind: 'github-classic-pat', preview: 'ghp_…9xQz', publicUrl: 'https://patrol.example.com',
 *   locations: [{ repository: 'acme/api', branch: 'refs/heads/main', commit: 'a1b2c3…', path: 'config/.env', line: 3,
 *     links: { repository: 'https://github.com/acme/api', file:
 * 'https://github.com/acme/api/blob/a1b2c3…/config/.env#L3' } }],
 *   revocation: { outcome: 'requested', detail: 'GitHub accepted the revocation…' },
 * })
 */

import { isTokenKind, kindOf } from '../kinds/index.js'
import { type OccurrenceSource, SOURCE_FOUND, SOURCE_LABELS } from '../platforms/content-event.js'
import type { LocationLinks, OwnerAdvice } from '../platforms/platform.js'
import type { RevocationCandidate, RevocationOutcome } from '../platforms/types.js'
import type { TokenKind } from '../scan/types.js'
import { pushedText } from './pushed-text.js'
import { describeReason, type RecipientReason } from './recipients.js'

/** One place the token was found. */
export interface IncidentLocation {
  /** `owner/name` or `project/name`. */
  repository: string
  /** From the platform registry (`locationLinks`); each is shown only when it is http(s). */
  links?: LocationLinks
  /** `refs/heads/main` or `main`. */
  branch?: string
  commit?: string
  /** File path, or `(commit message)`; for text people wrote, where (`issue #12, comment 345 (body)`). */
  path: string
  line?: number
  /** Where it was seen: a push (the default), a comment, a work item, an alert… (platforms/content-event.ts). */
  source?: OccurrenceSource
  /** The page it was seen on (built from the configured host), for sources other than a push. */
  url?: string
}

export interface IncidentEmailInput {
  incidentId: string | number
  kind: TokenKind
  /** Redacted preview such as `ghp_…9xQz`. Never the token. */
  preview: string
  /** First occurrence first; at least one. */
  locations: IncidentLocation[]
  revocation: RevocationOutcome
  /** The issuing platform's sentences (`platform(issuer).advice`). */
  advice: OwnerAdvice
  /** PATROL_PUBLIC_URL; without it the message names the incident id only. */
  publicUrl?: string
  detectedAt?: Date
  /** Why this recipient gets the message (recipients.ts), when composing one message per recipient. */
  recipientReason?: RecipientReason
  /** The token is one peer scanners publish as an example: a low-priority note, not an alarm. */
  publishedExample?: boolean
  /**
   * The revocation waits for GitHub's hourly budget: this message goes out at once, says when it is planned, and
   * never says revoked; the outcome follows in a second message.
   */
  queued?: { plannedAt: Date }
}

export interface IncidentEmail {
  subject: string
  text: string
  html: string
}

const SUBJECT_STATUS: Record<RevocationOutcome['outcome'], string> = {
  revoked: 'revoked (confirmed)',
  requested: 'revocation requested',
  inactive: 'already inactive',
  not_revocable: 'action needed',
  failed: 'action needed, revocation failed',
  skipped: 'action needed, not revoked',
}

/** Shown at most this many places; the incident page has them all. */
const MAX_LOCATIONS = 5

export function composeIncidentEmail(input: IncidentEmailInput): IncidentEmail {
  // A kind this patrol does not know (a row written by another version) is named by its id.
  const kind = isTokenKind(input.kind) ? kindOf(input.kind) : undefined
  const label = kind?.label ?? input.kind
  const preview = clampPreview(input.preview)
  const first = input.locations[0]
  const incidentUrl =
    input.publicUrl && safeUrl(input.publicUrl)
      ? `${input.publicUrl.replace(/\/+$/, '')}/admin/incidents/${encodeURIComponent(String(input.incidentId))}`
      : undefined

  const where = first ? ` in ${pushedText(first.repository, 100)}` : ''
  const subject = oneLine(
    input.publishedExample
      ? `[patrol] low priority: a published example of a ${label} was pushed${where}`
      : `[patrol] ${label} leaked${where}: ${input.queued ? `revocation queued, planned for ${utcTime(input.queued.plannedAt)}` : SUBJECT_STATUS[input.revocation.outcome]}`,
  ).slice(0, 200)
  const opening = input.publishedExample
    ? `${article(label)} ${label} that peer scanners publish as an example (in their rules or test suites) was pushed to a repository. It is public already, so patrol did not revoke it and did not alarm its owner; remove it if it should not be there.`
    : undefined

  const found = SOURCE_FOUND[input.locations[0]?.source ?? 'push']
  const did = input.queued
    ? `Revocation queued, planned for ${utcTime(input.queued.plannedAt)} (${input.queued.plannedAt.toISOString().slice(0, 10)}): GitHub allows a limited number of revocation calls an hour and they are spent. The token is not revoked yet; patrol will write again when the revocation went through.`
    : whatPatrolDid(input.revocation, input.advice)
  // Where to revoke or replace it is the kind's (an application secret is not managed where PATs are).
  const steps = whatToDoNow(input.revocation, input.advice, kind?.manage ?? 'where its issuer manages it')
  const shown = input.locations.slice(0, MAX_LOCATIONS).map(describeLocation)
  const more = input.locations.length - shown.length

  // Plain text.
  const text: string[] = [
    opening ?? `${article(label)} ${label} ${found}. Treat it as compromised.`,
    '',
    'What leaked',
    `  ${label}: ${preview}`,
    ...(input.detectedAt ? [`  detected ${input.detectedAt.toISOString()}`] : []),
    '',
    'Where',
    ...shown.flatMap((place) => [
      ...place.facts.map(([name, value, link]) => `  ${name}: ${value}${link ? ` <${link}>` : ''}`),
      '',
    ]),
    ...(more > 0 ? [`  … and ${more} more place${more === 1 ? '' : 's'} (see the incident page)`, ''] : []),
    'What patrol did',
    `  ${did}`,
    `  Details: ${oneLine(input.revocation.detail)}`,
    '',
    'What you must do now',
    ...steps.map((step, i) => `  ${i + 1}. ${step}`),
    '',
    incidentUrl ? `Incident ${input.incidentId}: ${incidentUrl}` : `Incident ${input.incidentId}`,
    ...(input.recipientReason ? [`You receive this message because ${describeReason(input.recipientReason)}.`] : []),
    '',
    '-- patrol, leak response for personal access tokens',
  ]

  // HTML: every value escaped, every link checked.
  const row = (name: string, value: string, link?: string) =>
    `<tr><th align="left" style="padding:2px 12px 2px 0;font-weight:normal;color:#555">${escapeHtml(name)}</th><td>${
      link ? `<a href="${escapeHtml(link)}">${escapeHtml(value)}</a>` : escapeHtml(value)
    }</td></tr>`
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">',
    opening
      ? `<p>${escapeHtml(opening)}</p>`
      : `<p><strong>${article(label)} ${escapeHtml(label)} ${escapeHtml(found)}.</strong> Treat it as compromised.</p>`,
    '<h3>What leaked</h3><table>',
    row('token', `${label}: ${preview}`),
    input.detectedAt ? row('detected', input.detectedAt.toISOString()) : '',
    '</table>',
    '<h3>Where</h3>',
    ...shown.map(
      (place) =>
        `<table style="margin-bottom:8px">${place.facts.map(([name, value, link]) => row(name, value, link)).join('')}</table>`,
    ),
    more > 0 ? `<p>… and ${more} more place${more === 1 ? '' : 's'} (see the incident page)</p>` : '',
    '<h3>What patrol did</h3>',
    `<p>${escapeHtml(did)}<br><small>Details: ${escapeHtml(oneLine(input.revocation.detail))}</small></p>`,
    '<h3>What you must do now</h3><ol>',
    ...steps.map((step) => `<li>${escapeHtml(step)}</li>`),
    '</ol>',
    incidentUrl
      ? `<p>Incident <a href="${escapeHtml(incidentUrl)}">${escapeHtml(String(input.incidentId))}</a></p>`
      : `<p>Incident ${escapeHtml(String(input.incidentId))}</p>`,
    input.recipientReason
      ? `<p><small>You receive this message because ${escapeHtml(describeReason(input.recipientReason))}.</small></p>`
      : '',
    '<p style="color:#777">— patrol, leak response for personal access tokens</p>',
    '</body></html>',
  ].join('\n')

  return { subject, text: text.join('\n'), html }
}

function whatPatrolDid(revocation: RevocationOutcome, advice: OwnerAdvice): string {
  switch (revocation.outcome) {
    case 'revoked':
      return `patrol revoked it${advice.revokedThrough ? ` ${advice.revokedThrough}` : ''} and confirmed that it no longer works.`
    case 'requested': {
      const others = (revocation.candidates?.length ?? 0) - 1
      return [
        `patrol asked for its revocation${advice.revokedThrough ? ` ${advice.revokedThrough}` : ''} and the request was accepted`,
        others > 0
          ? `, together with ${others} other PAT${others === 1 ? '' : 's'} of yours that could have been this one (listed below)`
          : '',
        '. It is not yet confirmed dead: patrol checks again until it stops working, and the incident page shows the result.',
        advice.afterRevocation ? ` ${advice.afterRevocation}` : '',
      ].join('')
    }
    case 'inactive':
      return 'patrol checked the token: it no longer works (expired or already revoked), so patrol revoked nothing.'
    case 'not_revocable':
      return 'No API can revoke this token.'
    case 'failed':
      return 'patrol tried to revoke it and failed. Revoke it yourself now.'
    case 'skipped':
      return 'patrol did not revoke it. Revoke it yourself now.'
  }
}

/** `tokenSettings`: where the owner revokes or replaces this kind of token (its catalog record's `manage`). */
function whatToDoNow(revocation: RevocationOutcome, advice: OwnerAdvice, tokenSettings: string): string[] {
  const cleanUp =
    'Remove the secret from the repository history (git filter-repo or BFG, then force-push) and from open pull requests. Clones and forks keep it, which is why the token itself must be dead.'
  // A dead token needs no revocation and no replacement: only the history clean-up.
  if (revocation.outcome === 'inactive') return [cleanUp]
  const steps: string[] = []
  if (revocation.outcome === 'failed' || revocation.outcome === 'skipped' || revocation.outcome === 'not_revocable')
    steps.push(`Revoke the token now if it is still valid (${tokenSettings}).`)
  const revoked = revocation.outcome === 'requested' ? (revocation.candidates ?? []) : []
  steps.push(
    revoked.length > 1
      ? `Create new tokens for the ones you still need among those revoked: ${revoked.map(describeCandidate).join('; ')}. Give each the least scope and shortest lifetime that work (${tokenSettings}) and keep it in a secret store, not in the repository.`
      : `Create a new token with the least scope and shortest lifetime that work (${tokenSettings}), and replace the old one wherever it was used. Keep it in a secret store, not in the repository.`,
  )
  steps.push(cleanUp)
  steps.push(advice.auditLog)
  return steps
}

/** `"build" (vso.code, created 2026-03-01)`: what the owner needs to recognise and replace a revoked PAT. */
export function describeCandidate(c: RevocationCandidate): string {
  const facts = [c.scope, c.createdAt ? `created ${c.createdAt.slice(0, 10)}` : undefined].filter(Boolean)
  return `“${pushedText(c.displayName ?? c.authorizationId, 80)}”${facts.length ? ` (${pushedText(facts.join(', '), 200)})` : ''}`
}

/** Facts about one location as [name, value, link?]; only http(s) links. */
function describeLocation(place: IncidentLocation): { facts: [string, string, string?][] } {
  const link = (url: string | undefined) => (url && safeUrl(url) ? url : undefined)
  const links = place.links ?? {}
  const branch = place.branch?.replace(/^refs\/heads\//, '')
  const isCommitMessage = place.path === '(commit message)'
  const file = isCommitMessage ? undefined : link(links.file)
  // Pushed strings lose their line breaks and control characters (pushed-text.ts): a file name cannot write text.
  const facts: [string, string, string?][] = [['repository', pushedText(place.repository), link(links.repository)]]
  if (place.source && place.source !== 'push' && place.source !== 'cli') {
    // Text people wrote: its source, where (linked to its page), the line within it.
    facts.push(['source', SOURCE_LABELS[place.source]])
    facts.push(['found in', pushedText(place.path), link(place.url)])
    if (place.line) facts.push(['line', String(place.line)])
    if (place.commit) facts.push(['commit', pushedText(place.commit, 64), link(links.commit)])
    return { facts }
  }
  if (branch) facts.push(['branch', pushedText(branch), link(links.branch)])
  if (place.commit) facts.push(['commit', pushedText(place.commit, 64), link(links.commit)])
  facts.push([isCommitMessage ? 'found in' : 'file', pushedText(place.path), file])
  if (place.line !== undefined && !isCommitMessage) facts.push(['line', String(place.line), file])
  if (place.source === 'cli') facts.push(['source', SOURCE_LABELS.cli])
  return { facts }
}

/**
 * A second line of defence for invariant 1: a preview longer than a redacted one is cut to its known prefix (or
 * first four characters) and last four, so a caller's mistake cannot put a whole token in a message.
 */
export function clampPreview(preview: string): string {
  const clean = oneLine(preview)
  if (clean.length <= 20) return clean
  const prefix = /^(github_pat_|gh[pousr]_)/.exec(clean)?.[0] ?? clean.slice(0, 4)
  return `${prefix}…${clean.slice(-4)}`
}

/** `An Azure DevOps …`, `A GitHub …`. */
function article(label: string): string {
  return /^[AEIOU]/.test(label) ? 'An' : 'A'
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim()
}

export function safeUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password
  } catch {
    return false
  }
}

/** `HH:MM UTC`. */
function utcTime(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`
}

export interface MassLeakEmailInput {
  repository: string
  ref?: string
  pusher?: string
  /** Token count per kind label. */
  kinds: Record<string, number>
  publicUrl?: string
}

/**
 * The one alert about a push of more tokens than PATROL_MASS_LEAK_THRESHOLD: how many of which kind, where, and
 * that patrol is revoking them (it says no more than that: each incident's page has its outcome).
 */
export function composeMassLeakEmail(input: MassLeakEmailInput): IncidentEmail {
  const total = Object.values(input.kinds).reduce((n, k) => n + k, 0)
  const repository = pushedText(input.repository, 100)
  const subject = oneLine(`[patrol] mass leak: ${total} tokens pushed to ${repository}`).slice(0, 200)
  const admin = input.publicUrl && safeUrl(input.publicUrl) ? `${input.publicUrl.replace(/\/+$/, '')}/admin` : undefined
  const facts: [string, string][] = [
    ['repository', repository],
    ...(input.ref ? [['ref', pushedText(input.ref, 200)] as [string, string]] : []),
    ...(input.pusher ? [['pushed by', pushedText(input.pusher, 100)] as [string, string]] : []),
    ...Object.entries(input.kinds).map(([kind, n]) => [kind, String(n)] as [string, string]),
  ]
  const said = [
    `One push carried ${total} distinct tokens. Treat every one as compromised.`,
    'patrol is revoking each one that an issuer API can revoke (GitHub tokens go in batches, within GitHub’s hourly limit), and sends this one message instead of one email per token to the owners.',
    'Find out who pushed this and why, and tell the owners; each token’s incident and outcome are on the incident pages.',
  ]
  const text = [
    said[0]!,
    '',
    ...facts.map(([name, value]) => `  ${name}: ${value}`),
    '',
    said[1]!,
    said[2]!,
    ...(admin ? ['', `Incidents: ${admin}`] : []),
    '',
    '-- patrol, leak response for personal access tokens',
  ].join('\n')
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">',
    `<p><strong>${escapeHtml(said[0]!)}</strong></p><table>`,
    ...facts.map(([name, value]) => `<tr><th align="left">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`),
    '</table>',
    `<p>${escapeHtml(said[1]!)}</p><p>${escapeHtml(said[2]!)}</p>`,
    admin ? `<p><a href="${escapeHtml(admin)}">Incidents</a></p>` : '',
    '</body></html>',
  ].join('\n')
  return { subject, text, html }
}
