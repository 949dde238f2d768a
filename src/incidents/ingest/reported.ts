/**
 * Findings reported by `patrol scan --report` (a history backfill, a CI scan) become incidents and occurrences with
 * source `cli`, and the response a push gets. Each finding is checked again here with patrol's own checksums: a
 * token whose checksum does not hold, or that is not of the kind it claims, is refused and changes nothing. A finding
 * already recorded at the same place (token, repository, commit, path, line) is a duplicate and changes nothing, so an
 * interrupted history scan is simply run again. Under `PATROL_HISTORY_RESPONSE=notify`, a finding committed before
 * patrol's first push from that repository is recorded to be notified about, not revoked.
 *
 * @example
 * const outcome = await recordReported(db, keys, { kind, secret, repository: 'acme/api', commit, path, line }, ctx)
 * outcome // { outcome: 'recorded', incidentId: 3 } | { outcome: 'duplicate', incidentId: 3 } | { outcome: 'refused',
 * error }
 */
import { and, eq, min } from 'drizzle-orm'
import { incidents, occurrences, pushes } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { kindOf } from '../../kinds/index.js'
import type { PlatformId } from '../../platforms/ids.js'
import { scanText } from '../../scan/index.js'
import type { TokenKind } from '../../scan/types.js'
import { fingerprint, type TokenKeys } from '../sealing.js'
import { recordFinding } from './record.js'

export interface ReportedFinding {
  kind: TokenKind
  /** The raw token: checked, sealed and fingerprinted; never stored in clear, logged or echoed. */
  secret: string
  platform?: PlatformId
  repository?: string
  commit?: string
  path?: string
  line?: number
  column?: number
  encoding?: string
  /** When the commit that added it was made (ISO 8601), for `PATROL_HISTORY_RESPONSE`. */
  committedAt?: string
}

export type ReportedOutcome =
  | { outcome: 'recorded'; incidentId: number }
  | { outcome: 'duplicate'; incidentId: number }
  | { outcome: 'refused'; error: string }

export interface ReportContext {
  now: number
  historyResponse: 'revoke' | 'notify'
}

/** Where a finding without a repository is recorded. */
export const NO_REPOSITORY = '(local)'

export async function recordReported(
  db: DB,
  keys: TokenKeys,
  f: ReportedFinding,
  ctx: ReportContext,
): Promise<ReportedOutcome> {
  // The whole secret must be one high-confidence token of the kind claimed: the checksum is patrol's, not the sender's.
  const valid = scanText(f.secret).some(
    (found) => found.confidence === 'high' && found.kind === f.kind && found.secret === f.secret,
  )
  if (!valid) return { outcome: 'refused', error: `secret: not a ${f.kind} whose checksum holds` }

  const kind = kindOf(f.kind)
  const provider: PlatformId = f.platform ?? kind.issuer
  const repository = f.repository ?? NO_REPOSITORY
  const place = { commitSha: f.commit ?? '', path: f.path ?? '(cli)', line: f.line ?? 0 }
  const existing = await recordedAt(db, await fingerprint(keys, f.secret), provider, repository, place)
  if (existing !== undefined) return { outcome: 'duplicate', incidentId: existing }

  const committedAt = f.committedAt ? Date.parse(f.committedAt) : Number.NaN
  const history = Number.isFinite(committedAt) && (await beforeFirstPush(db, provider, repository, committedAt))
  const recorded = await recordFinding(
    db,
    keys,
    {
      kind: f.kind,
      issuer: kind.issuer,
      secret: f.secret,
      ...(history && ctx.historyResponse === 'notify'
        ? {
            notifyOnlyReason:
              'found in history older than patrol’s first push from this repository; PATROL_HISTORY_RESPONSE=notify: not revoked',
          }
        : {}),
    },
    {
      provider,
      repository,
      ...place,
      commitSha: f.commit,
      column: f.column,
      encoding: f.encoding ?? 'plain',
      committedAt: Number.isFinite(committedAt) ? committedAt : undefined,
      source: 'cli',
    },
    { now: ctx.now, pushedAt: ctx.now },
  )
  return recorded.newOccurrence
    ? { outcome: 'recorded', incidentId: recorded.incidentId }
    : { outcome: 'duplicate', incidentId: recorded.incidentId }
}

/** The incident of this token when this place is already recorded. */
async function recordedAt(
  db: DB,
  fp: string,
  provider: PlatformId,
  repository: string,
  place: { commitSha: string; path: string; line: number },
): Promise<number | undefined> {
  const [row] = await db
    .select({ id: incidents.id })
    .from(incidents)
    .innerJoin(occurrences, eq(occurrences.incidentId, incidents.id))
    .where(
      and(
        eq(incidents.fingerprint, fp),
        eq(occurrences.provider, provider),
        eq(occurrences.repository, repository),
        eq(occurrences.commitSha, place.commitSha),
        eq(occurrences.path, place.path),
        eq(occurrences.line, place.line),
      ),
    )
    .limit(1)
  return row?.id
}

/** True when `at` is before patrol's first push from this repository, or patrol has seen no push from it. */
async function beforeFirstPush(db: DB, provider: PlatformId, repository: string, at: number): Promise<boolean> {
  const [row] = await db
    .select({ first: min(pushes.receivedAt) })
    .from(pushes)
    .where(and(eq(pushes.provider, provider), eq(pushes.repository, repository)))
  return row?.first == null || at < row.first
}
