/**
 * Opens the D1 binding as patrol's one `DB` type, so repository code runs unchanged on Workers. Cheap enough to call
 * per request (docs/reference/stack-notes.md §3): drizzle only wraps the binding. Workers only in practice, but
 * imports nothing Node-only. Also counts the statements an invocation runs, against D1's per-invocation limit.
 *
 * @example
 * const { binding, statements } = countStatements(env.DB)
 * const db = openD1Database(binding)
 * await db.select().from(incidents)
 * statements.count // 1
 */
import { drizzle } from 'drizzle-orm/d1'
import * as schema from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import { GITHUB_BATCH_JOB } from '../../platforms/github/revoke-batch.js'

/** The D1 binding as drizzle types it (workers-types' `D1Database` when those types are loaded). */
export type D1Binding = Parameters<typeof drizzle>[0]

export function openD1Database(binding: D1Binding): DB {
  return drizzle(binding, { schema }) as unknown as DB
}

/** D1 statements one invocation may run (Workers Paid allows 1000, Free 50; patrol keeps well under the former). */
export const STATEMENT_BUDGET = 200

/** Kept back from the jobs for the invocation's own bookkeeping: a dispatch, or marking a follow-on's retry sent. */
export const STATEMENTS_FOR_DISPATCH = 10

/** Statements a job is expected to need at most, reserved when it starts: a job seldom needs more. */
export const STATEMENTS_PER_JOB = 60

/**
 * Tokens one GitHub revocation call carries on Workers (GitHub takes 1000): the batch job then finishes each token
 * (attempt, status, a message row and job per recipient), so its job stays within the budget. GitHub's 60 calls an
 * hour then revoke at most 600 tokens an hour; the rest wait, visibly (a "revocation queued" message).
 */
export const GITHUB_TOKENS_PER_CALL = 10

/**
 * Statements a GitHub batch job is reserved: it took about 8.5 a token with one recipient (106 for 12 tokens, the
 * scenario of test/workers/queue.test.ts); each further recipient (PATROL_SECURITY_EMAILS) adds 2 a token.
 */
export const STATEMENTS_PER_GITHUB_BATCH = GITHUB_TOKENS_PER_CALL * 12 + 20

/** What a job of this kind is reserved (the message names the kind). */
export function statementsFor(kind: string | undefined): number {
  return kind === GITHUB_BATCH_JOB ? STATEMENTS_PER_GITHUB_BATCH : STATEMENTS_PER_JOB
}

export interface StatementCount {
  /** Statements run so far through the counted binding (each statement of a batch counts). */
  readonly count: number
}

type Statement = { bind(...values: unknown[]): Statement; [method: string]: unknown }
type Binding = { prepare(query: string): Statement; batch(statements: Statement[]): Promise<unknown>; exec?: unknown }

/**
 * The binding, with every statement it runs counted: `first`, `run`, `all` and `raw` count one, a `batch` counts its
 * statements, `exec` one per statement. The invocation reads the count to stay within {@link STATEMENT_BUDGET}.
 */
export function countStatements(binding: D1Binding): { binding: D1Binding; statements: StatementCount } {
  const tally = { count: 0 }
  const d1 = binding as unknown as Binding
  const originals = new WeakMap<object, Statement>()
  const wrap = (statement: Statement): Statement => {
    const wrapped = new Proxy(statement, {
      get(target, key) {
        const value = Reflect.get(target, key, target)
        if (key === 'bind') return (...values: unknown[]) => wrap(target.bind(...values))
        if (typeof value !== 'function') return value
        if (key === 'first' || key === 'run' || key === 'all' || key === 'raw')
          return (...args: unknown[]) => {
            tally.count++
            return (value as (...a: unknown[]) => unknown).apply(target, args)
          }
        return (value as (...a: unknown[]) => unknown).bind(target)
      },
    })
    originals.set(wrapped, statement)
    return wrapped
  }
  const counted = new Proxy(d1, {
    get(target, key) {
      if (key === 'prepare') return (query: string) => wrap(target.prepare(query))
      if (key === 'batch')
        return (statements: Statement[]) => {
          tally.count += statements.length
          return target.batch(statements.map((s) => originals.get(s) ?? s))
        }
      if (key === 'exec')
        return (query: string) => {
          tally.count += query.split(';').filter((q) => q.trim()).length
          return (target.exec as (q: string) => unknown).call(target, query)
        }
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  return { binding: counted as unknown as D1Binding, statements: tally }
}
