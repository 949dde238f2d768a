/**
 * Collateral of Azure DevOps revocation over a generated owner population: for each simulated leak, how many PATs
 * beyond the leaked one patrol's candidate rules (src/platforms/azure-devops/issuer.ts `chooseCandidates`) revoke,
 * and whether the leaked one is ever missed, under `precise` (narrow, widened once when the leaked PAT survives the
 * narrow revocation) and `broad`. Owners hold 1 to 15 PATs created over 12 months, with three scope sets, mostly for
 * this organization; commits come 0–30 days after the leaked PAT was created (committer clocks off by up to ±2
 * minutes), pushes 0–3 days after the commit. Under `precise`, when more than one candidate remains, the scope probes
 * are simulated as answering truthfully for the leaked PAT's scopes (AZURE_DEVOPS_PROBE_SCOPES=on); `precise, no
 * probes` shows the figure without them. Seeded, so a run is repeatable.
 *
 * @example
 * const figures = collateralFigures({ leaks: 20_000, seed: 1 })
 * // { precise: { extraPerLeak: 0.31, missed: 0, widened: … }, broad: { … } }
 */
import {
  type AzureTokenAdminPat,
  chooseCandidates,
  matchScopes,
  SCOPE_PROBES,
} from '../src/platforms/azure-devops/issuer.js'
import { seededRandom } from '../test/support/fault-proxy.js'
import { generateAdoPat } from '../test/support/tokens.js'

const ORG = 'org-ours'
const DAY = 86_400_000
const SCOPES = ['vso.code', 'vso.build vso.release', 'vso.work vso.code_write']
/** The population's twelve months: December 2025 to November 2026. */
const START = Date.UTC(2025, 11, 1)
const END = Date.UTC(2026, 11, 1)

export interface PolicyFigures {
  leaks: number
  /** Mean PATs revoked beyond the leaked one. */
  extraPerLeak: number
  /** Leaks where exactly the leaked PAT was revoked. */
  exact: number
  /** Leaks where the leaked PAT was not among those revoked at the end. */
  missed: number
  /** `precise` only: leaks that needed the widening (narrow set empty or without the leaked PAT). */
  widened: number
}

interface Leak {
  pats: (AzureTokenAdminPat & { created: number })[]
  leaked: AzureTokenAdminPat & { created: number }
  token: string
  committedAt: Date
  pushedAt: Date
}

function generateLeak(rand: () => number): Leak | undefined {
  const n = 1 + Math.floor(rand() * 15)
  const pats = Array.from({ length: n }, (_, i) => {
    const created = START + Math.floor(rand() * (END - START))
    const where = rand()
    return {
      authorizationId: `pat-${i}`,
      displayName: `pat ${i}`,
      scope: SCOPES[Math.floor(rand() * SCOPES.length)],
      // Token Admin's dates carry no offset.
      validFrom: new Date(created).toISOString().replace(/\.\d+Z$/, ''),
      targetAccounts: where < 0.8 ? [ORG] : where < 0.9 ? null : ['org-other'],
      isValid: rand() < 0.9,
      created,
    }
  })
  const usable = pats.filter((p) => p.isValid && p.targetAccounts?.[0] !== 'org-other')
  if (usable.length === 0) return undefined
  const leaked = usable[Math.floor(rand() * usable.length)]!
  const d = new Date(leaked.created)
  const token = generateAdoPat({ year: d.getUTCFullYear(), month: d.getUTCMonth() })
  const commitTrue = Math.min(END, leaked.created + rand() * 30 * DAY)
  const skew = (rand() * 2 - 1) * 2 * 60_000
  const pushedAt = Math.min(END, commitTrue + rand() * 3 * DAY)
  return { pats, leaked, token, committedAt: new Date(commitTrue + skew), pushedAt: new Date(pushedAt) }
}

type Policy = 'precise' | 'precise, no probes' | 'broad'
const POLICIES: readonly Policy[] = ['precise', 'precise, no probes', 'broad']

function revokedBy(leak: Leak, policy: Policy): { ids: Set<string>; widened: boolean } {
  const options = { token: leak.token, committedAt: leak.committedAt, pushedAt: leak.pushedAt, accountIds: [ORG] }
  const first = chooseCandidates(leak.pats, { ...options, policy: policy === 'broad' ? 'broad' : 'precise' })
  let chosen = first.candidates
  if (policy === 'precise' && chosen.length > 1) {
    const held = leak.leaked.scope?.split(' ') ?? []
    const probes = SCOPE_PROBES.map((p) => ({
      family: p.family,
      call: p.path,
      held: held.some((s) => s === p.family || s.startsWith(`${p.family}_`)),
    }))
    chosen = matchScopes(chosen, probes)
  }
  const ids = new Set(chosen.map((c) => c.authorizationId))
  if (policy === 'broad' || ids.has(leak.leaked.authorizationId)) return { ids, widened: first.widened !== undefined }
  // The leaked PAT survives the narrow revocation: patrol widens once to the broad remainder.
  const left = leak.pats.map((p) => (ids.has(p.authorizationId) ? { ...p, isValid: false } : p))
  for (const c of chooseCandidates(left, { ...options, policy: 'broad' }).candidates) ids.add(c.authorizationId)
  return { ids, widened: true }
}

export function collateralFigures(o: { leaks: number; seed: number }): Record<Policy, PolicyFigures> {
  const rand = seededRandom(o.seed)
  const leaks: Leak[] = []
  while (leaks.length < o.leaks) {
    const leak = generateLeak(rand)
    if (leak) leaks.push(leak)
  }
  const figures = (policy: Policy): PolicyFigures => {
    let extra = 0
    let exact = 0
    let missed = 0
    let widened = 0
    for (const leak of leaks) {
      const result = revokedBy(leak, policy)
      const hit = result.ids.has(leak.leaked.authorizationId)
      if (!hit) missed++
      extra += result.ids.size - (hit ? 1 : 0)
      if (hit && result.ids.size === 1) exact++
      if (result.widened) widened++
    }
    return { leaks: leaks.length, extraPerLeak: extra / leaks.length, exact, missed, widened }
  }
  return Object.fromEntries(POLICIES.map((p) => [p, figures(p)])) as Record<Policy, PolicyFigures>
}

/** One line per policy, for the bench's report. */
export function formatCollateral(f: Record<Policy, PolicyFigures>): string[] {
  return POLICIES.map((policy) => {
    const x = f[policy]
    return (
      `azure collateral (${policy}): ${x.extraPerLeak.toFixed(3)} extra PATs revoked per leak over ${x.leaks} leaks, ` +
      `exactly the leaked PAT in ${((100 * x.exact) / x.leaks).toFixed(1)}%, leaked PAT missed ${x.missed}` +
      (policy !== 'broad' ? `, widened ${x.widened}` : '') +
      (policy === 'precise' ? `  (target ≤ 0.2 extra, 0 missed)` : '')
    )
  })
}
