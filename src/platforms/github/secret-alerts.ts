/**
 * GitHub secret scanning alerts (`secret_scanning_alert` created or reopened). GitHub Advanced Security finds Azure
 * DevOps PATs in private repositories but cannot revoke them; patrol can. The `scan-content` job hands the alert here:
 * patrol reads it through the REST API (`GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}`, which
 * returns the secret to a token with alert read access), checks the secret with its own checksums (one that fails is
 * recorded on the event, not acted on), and records it as an incident with source `alert`, which gets a push's
 * response. The `resolve-secret-alert` job then waits for that response (through the confirmation of an accepted
 * revocation): once patrol has seen the token stop working (`revoked`, `inactive`), it resolves the alert (`state:
 * resolved`, `resolution: revoked`, a comment linking the
 * incident). Any other outcome leaves the alert open, since patrol did not make the token harmless.
 *
 * @example
 * const alerts = new GithubSecretAlerts({ apiUrl, token })
 * handlers['scan-content'] = scanContentJob({ …, alert: secretAlertReader({ db, keys, log, now, config, alerts }) })
 * handlers[RESOLVE_SECRET_ALERT_JOB] = resolveSecretAlertJob({ db, log, now, config, alerts })
 */
import { eq } from 'drizzle-orm'
import type { Config } from '../../config.js'
import { contentEvents, incidents } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { recordFinding } from '../../incidents/ingest/record.js'
import type { TokenKeys } from '../../incidents/sealing.js'
import { enqueue } from '../../jobs/queue.js'
import type { JobHandler } from '../../jobs/runner.js'
import type { Logger } from '../../log.js'
import { scanText } from '../../scan/index.js'
import type { SecretAlertContent } from '../content-event.js'
import { pathSegment } from '../path-segment.js'
import { RemoteError, remoteFetch } from '../remote-error.js'
import { readJson } from '../response-body.js'
import { GithubAppAuth } from './app-auth.js'
import { githubLinks } from './links.js'

export const RESOLVE_SECRET_ALERT_JOB = 'resolve-secret-alert'
/** How often the resolve job looks at the incident again while its response is still running. */
const RESOLVE_RECHECK_MS = 5 * 60_000

/** The fields of `secret-scanning-alert-with-metadata` patrol reads. */
export interface SecretScanningAlert {
  number: number
  state: 'open' | 'resolved'
  secret_type?: string
  secret?: string
  created_at?: string
}

export interface SecretAlertsOptions {
  apiUrl: string
  token?: string
  app?: { appId: string; privateKey: string }
  fetch?: typeof fetch
  timeoutMs?: number
}

/** The two REST calls on one alert, with the configured credentials (a token, or the delivery's App installation). */
export class GithubSecretAlerts {
  private readonly apiUrl: string
  private readonly appAuth?: GithubAppAuth

  constructor(private readonly options: SecretAlertsOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '')
    if (options.app) this.appAuth = new GithubAppAuth({ apiUrl: this.apiUrl, ...options.app, fetch: options.fetch })
  }

  async get(repository: string, alertNumber: number, installationId?: number): Promise<SecretScanningAlert> {
    const res = await this.call('GET', repository, alertNumber, installationId)
    return readJson<SecretScanningAlert>(res, 'secret scanning alert')
  }

  /** `PATCH` with `state: resolved`, `resolution: revoked` and `comment` (the update-alert request body). */
  async resolveRevoked(repository: string, alertNumber: number, comment: string, installationId?: number) {
    const body = { state: 'resolved', resolution: 'revoked', resolution_comment: comment }
    await this.call('PATCH', repository, alertNumber, installationId, body)
  }

  private async call(method: string, repository: string, n: number, installationId?: number, body?: unknown) {
    const [owner, name] = repository.split('/')
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'patrol',
      ...(body ? { 'content-type': 'application/json' } : {}),
    }
    if (this.appAuth && installationId !== undefined)
      headers.authorization = `Bearer ${await this.appAuth.installationToken(installationId)}`
    else if (this.options.token) headers.authorization = `Bearer ${this.options.token}`
    else throw new RemoteError('permanent', 'secret scanning alerts: set GITHUB_TOKEN or GITHUB_APP_ID to read them')
    const url = `${this.apiUrl}/repos/${pathSegment(owner ?? '')}/${pathSegment(name ?? '')}/secret-scanning/alerts/${n}`
    return remoteFetch(
      url,
      { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) },
      { fetch: this.options.fetch, timeoutMs: this.options.timeoutMs },
    )
  }
}

export interface SecretAlertDeps {
  db: DB
  keys: TokenKeys
  log: Logger
  now(): number
  config: Config
  alerts: GithubSecretAlerts
}

/**
 * Reads an alert and records its secret (the `alert` reader of the scan-content job); returns the findings recorded.
 */
export function secretAlertReader(deps: SecretAlertDeps) {
  return async (content: SecretAlertContent, row: { id: number; receivedAt: number }): Promise<number> => {
    const alert = await deps.alerts.get(content.repository, content.alertNumber, content.installationId)
    const label = `secret scanning alert #${content.alertNumber}`
    const note = async (text: string) => {
      await deps.db.update(contentEvents).set({ note: text }).where(eq(contentEvents.id, row.id))
      deps.log.info('alert.not_acted_on', { repository: content.repository, alert: content.alertNumber, note: text })
      return 0
    }
    if (alert.state !== 'open') return note(`${label} is ${alert.state} at GitHub: nothing to do`)
    if (!alert.secret) return note(`${label}: GitHub returned no secret (the token needs secret scanning alerts: read)`)
    // patrol acts only on a token its own checksums validate (invariant 4), whatever GitHub's secret type says.
    const secret = alert.secret.trim()
    const token = scanText(secret).find((f) => f.confidence === 'high' && f.secret === secret)
    if (!token)
      return note(
        `${label} (${alert.secret_type ?? 'unknown type'}): not a token whose checksum patrol can validate; recorded, not acted on`,
      )
    const created = alert.created_at ? Date.parse(alert.created_at) : Number.NaN
    const recorded = await recordFinding(
      deps.db,
      deps.keys,
      token,
      {
        provider: 'github',
        repository: content.repository,
        path: label,
        line: 1,
        encoding: token.encoding,
        committedAt: Number.isFinite(created) ? created : undefined,
        source: 'alert',
        url: githubLinks(deps.config.github.apiUrl).page(
          `${content.repository}/security/secret-scanning/${content.alertNumber}`,
        ),
      },
      { now: deps.now(), pushedAt: row.receivedAt },
    )
    if (!recorded.suppressed)
      await enqueue(
        deps.db,
        {
          kind: RESOLVE_SECRET_ALERT_JOB,
          payload: { ...content, incidentId: recorded.incidentId },
          key: `${RESOLVE_SECRET_ALERT_JOB}:${content.repository}#${content.alertNumber}:${row.id}`,
        },
        deps.now(),
      )
    return 1
  }
}

/** States in which the response is still under way: look again later. */
const PENDING = new Set(['new', 'responding'])
/** An accepted revocation still being confirmed: the sealed token is kept only while patrol can still confirm it. */
const confirming = (i: { status: string; sealedToken: string | null }) =>
  i.status === 'revocation_requested' && i.sealedToken !== null
/** States in which patrol made the token harmless (revoked it, or found it no longer works). */
const DEAD = new Set(['revoked', 'inactive'])

export function resolveSecretAlertJob(deps: Omit<SecretAlertDeps, 'keys'>): JobHandler {
  return async (_job, payload) => {
    const p = payload as SecretAlertContent & { incidentId: number }
    const [incident] = await deps.db.select().from(incidents).where(eq(incidents.id, p.incidentId))
    if (!incident) throw new RemoteError('permanent', `resolve-secret-alert: incident ${p.incidentId} does not exist`)
    if (PENDING.has(incident.status) || confirming(incident))
      return { rescheduleAt: deps.now() + RESOLVE_RECHECK_MS, reason: `incident is ${incident.status}` }
    if (!DEAD.has(incident.status)) {
      deps.log.info('alert.left_open', { repository: p.repository, alert: p.alertNumber, status: incident.status })
      return
    }
    const link = `${deps.config.publicUrl.replace(/\/+$/, '')}/admin/incidents/${incident.id}`
    await deps.alerts.resolveRevoked(
      p.repository,
      p.alertNumber,
      `patrol ${incident.status === 'revoked' ? 'revoked this token' : 'found this token no longer works'}: ${link}`,
      p.installationId,
    )
    deps.log.info('alert.resolved', { repository: p.repository, alert: p.alertNumber, incident: incident.id })
  }
}
