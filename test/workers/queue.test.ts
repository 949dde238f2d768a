/**
 * Jobs on Cloudflare Queues, inside workerd: the Worker's real `queue()` handler gets batches built by
 * `cloudflare:test` (through LoopbackQueue), and each message's fate is read back with getQueueResult. Proved: a
 * burst of deliveries is scanned with every invocation (webhook, consumer, sweep) under the 200-statement budget, and
 * so is a flood of 200 deliveries carrying 1000 tokens, each revoked once and its person told once; a
 * failing job's message is retried with the backoff as its delay and the job completes once the platform answers;
 * a message whose consumer fails every time ends in the dead-letter queue as a visible dead job; a job delivered
 * twice at once runs once; a job left running by a cut-short invocation is re-sent by the sweep and finished; a
 * message delivered before its job is due waits for it; the jobs a consumer's runs enqueue run in that invocation,
 * without a message each, and one that fails there gets a message with its backoff.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq, inArray } from 'drizzle-orm'
import { beforeEach, describe, expect, inject, it, vi } from 'vitest'
import {
  countStatements,
  GITHUB_TOKENS_PER_CALL,
  openD1Database,
  STATEMENT_BUDGET,
} from '../../src/adapter/workers/d1.js'
import { createWorker, type WorkerEnv } from '../../src/adapter/workers/index.js'
import { incidents, jobs, pushes } from '../../src/db/schema.js'
import { MAX_RETRIES, RESEND_AFTER_MS } from '../../src/jobs/dispatch.js'
import { enqueue, sendOwnJobs } from '../../src/jobs/queue.js'
import { githubPushRequest } from './deliveries.js'
import type { IssuerCalls } from './global-setup.js'
import { LoopbackQueue } from './loopback-queue.js'

const scenario = inject('patrol')
const worker = createWorker()
const db = openD1Database(env.DB)

function workerEnv(queue: LoopbackQueue, o: Record<string, string> = {}): WorkerEnv {
  return {
    ...env,
    JOBS: queue,
    GITHUB_API_URL: scenario.githubApiUrl,
    GITHUB_DOTCOM_API_URL: scenario.githubApiUrl,
    GITHUB_TOKEN: scenario.githubReaderToken,
    PATROL_REVOKE: 'off',
    ...o,
  }
}

/** One invocation of `fetch` or `scheduled`, its D1 statements counted. */
async function invoke(run: (env: WorkerEnv, ctx: ExecutionContext) => Promise<unknown>, e: WorkerEnv) {
  const counted = countStatements(e.DB)
  const ctx = createExecutionContext()
  await run({ ...e, DB: counted.binding }, ctx)
  await waitOnExecutionContext(ctx)
  return counted.statements.count
}

/** The scenario's push, to a ref of its own per delivery: the same push twice would be a duplicate (issue 14). */
const pushTo = (ref: string) => JSON.stringify({ ...JSON.parse(scenario.githubPush.body), ref: `refs/heads/${ref}` })

const post = (e: WorkerEnv, deliveryId: string) =>
  invoke(async (env2, ctx) => {
    const res = await worker.fetch(await githubPushRequest(pushTo(deliveryId), deliveryId), env2, ctx)
    expect(res.status).toBe(202)
  }, e)

const sweep = (e: WorkerEnv) =>
  invoke(
    (env2, ctx) =>
      worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), env2, ctx),
    e,
  )

const clearIncidents = () =>
  env.DB.exec(
    'delete from notifications; delete from channel_messages; delete from revocations; delete from response_steps; ' +
      'delete from audit_events; delete from occurrences; delete from incidents;',
  )
/** The `send_email` binding, watched: what patrol handed it, or a failure for every message. */
const mailbox = (fail?: string) => {
  const handed: string[] = []
  return {
    handed,
    binding: {
      async send(message: { to: string | string[] }) {
        if (fail) throw new Error(fail)
        handed.push(String(message.to))
        return { messageId: `<${handed.length}@mail.example>` }
      },
    },
  }
}

/** Jobs not done: none is left once a scenario has run. */
const unfinished = () =>
  db
    .select()
    .from(jobs)
    .where(inArray(jobs.state, ['queued', 'running', 'dead']))

beforeEach(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  await env.DB.exec('delete from jobs; delete from pushes; delete from deliveries;')
})

describe('the job queue on Workers', () => {
  it('scans a burst of 30 deliveries with every invocation under the D1 statement budget', async () => {
    const queue = new LoopbackQueue({ batchSize: 10 })
    const e = workerEnv(queue)
    const webhook: number[] = []
    for (let i = 0; i < 30; i++) webhook.push(await post(e, `burst-${i}`))
    const consumed = await queue.flush(worker, e, { all: true })
    const swept = await sweep(e)

    const scanned = await db.select({ status: pushes.scanStatus }).from(pushes)
    expect(scanned.map((p) => p.status)).toEqual(Array(30).fill('scanned'))
    expect(await unfinished()).toEqual([])
    const consumer = consumed.map((d) => d.statements)
    for (const n of [...webhook, ...consumer, swept]) expect(n).toBeLessThanOrEqual(STATEMENT_BUDGET)
    console.info(
      `D1 statements per invocation: webhook max ${Math.max(...webhook)}, consumer max ${Math.max(...consumer)} ` +
        `over ${consumed.length} batches, sweep ${swept}`,
    )
  })

  it('sweeps a backlog of 400 waiting jobs in one invocation under the budget, 100 messages at a time', async () => {
    const now = Date.now()
    const rows = Array.from({ length: 400 }, (_, i) => ({
      kind: 'notify',
      payload: JSON.stringify({ notificationId: 100_000 + i }),
      state: 'queued',
      maxAttempts: 8,
      runAt: now,
      createdAt: now,
      updatedAt: now,
    }))
    for (let i = 0; i < rows.length; i += 10) await db.insert(jobs).values(rows.slice(i, i + 10))
    const queue = new LoopbackQueue()
    const statements = await sweep(workerEnv(queue))
    expect(statements).toBeLessThanOrEqual(STATEMENT_BUDGET)
    expect(queue.sent).toBe(400)
    const consumed = await queue.flush(worker, workerEnv(queue), { all: true })
    for (const d of consumed) expect(d.statements).toBeLessThanOrEqual(STATEMENT_BUDGET)
    // Their notifications do not exist: each job ends at once, done.
    expect(await db.select().from(jobs).where(eq(jobs.state, 'done'))).toHaveLength(400)
  })

  it('revokes 40 GitHub tokens waiting for one batch in calls of ten, every invocation under the budget', async () => {
    // The case that went over at bench:workers (336 statements): one revocation batch finishing every waiting token.
    // The batch is due at the end of its delay's bucket: with a day's, no bucket ends during the test (with a minute's,
    // one sometimes did, and the batch ran before the test made it due).
    const slow = createWorker({ timing: { githubBatchDelayMs: 24 * 3_600_000 } })
    const queue = new LoopbackQueue({ batchSize: 10 })
    const e = workerEnv(queue, {
      PATROL_REVOKE: 'auto',
      GITHUB_API_URL: scenario.burstGithubApiUrl,
      GITHUB_DOTCOM_API_URL: scenario.burstGithubApiUrl,
    })
    const webhook: number[] = []
    for (const [i, body] of scenario.githubBurst.entries())
      webhook.push(
        await invoke(async (env2, ctx) => {
          const res = await slow.fetch(await githubPushRequest(body, `burst-revoke-${i}`), env2, ctx)
          expect(res.status).toBe(202)
        }, e),
      )
    // Scans and responses run now; the one batch they all wait for is due later: make it due, then deliver it.
    const early = await queue.flush(slow, e)
    const waiting = await db.select().from(incidents).where(eq(incidents.status, 'responding'))
    expect(waiting).toHaveLength(40)
    await env.DB.prepare("update jobs set run_at = ? where kind = 'revoke-github-batch'").bind(Date.now()).run()
    const late = await queue.flush(slow, e, { all: true })

    const consumer = [...early, ...late].map((d) => d.statements)
    for (const n of [...webhook, ...consumer]) expect(n).toBeLessThanOrEqual(STATEMENT_BUDGET)
    const ended = await db
      .select({ status: incidents.status })
      .from(incidents)
      .where(
        inArray(
          incidents.id,
          waiting.map((i) => i.id),
        ),
      )
    expect(ended.map((i) => i.status)).toEqual(Array(40).fill('revocation_requested'))
    const calls = (await (await fetch(`${scenario.inspectorUrl}/burst-calls`)).json()) as IssuerCalls
    const revoked = calls.githubRevocations.flatMap((c) => c.credentials)
    for (const token of scenario.burstTokens) expect(revoked.filter((t) => t === token)).toHaveLength(1)
    for (const c of calls.githubRevocations) expect(c.credentials.length).toBeLessThanOrEqual(GITHUB_TOKENS_PER_CALL)
    console.info(`D1 statements: consumer max ${Math.max(...consumer)} over ${consumer.length} batches`)
  })

  it('a burst of 200 deliveries carrying 1000 tokens: each push scanned, each token revoked and its person told once, every invocation under the budget', async () => {
    await clearIncidents()
    const fast = createWorker({ timing: { githubBatchDelayMs: 1 } })
    const queue = new LoopbackQueue({ batchSize: 10 })
    const mail = mailbox()
    const e = {
      ...workerEnv(queue, {
        PATROL_REVOKE: 'auto',
        GITHUB_API_URL: scenario.floodGithubApiUrl,
        GITHUB_DOTCOM_API_URL: scenario.floodGithubApiUrl,
        // GitHub's 60 calls an hour would leave 400 tokens waiting an hour: the budget is another test's.
        PATROL_GITHUB_REVOKE_CALLS_PER_HOUR: '1000',
      }),
      EMAIL: mail.binding,
    }
    const webhook: number[] = []
    for (const [i, body] of scenario.githubFlood.entries())
      webhook.push(
        await invoke(async (env2, ctx) => {
          const res = await fast.fetch(await githubPushRequest(body, `flood-${i}`), env2, ctx)
          expect(res.status).toBe(202)
        }, e),
      )
    const consumed = await queue.flush(fast, e, { all: true, rounds: 10_000 })
    const swept = await sweep(e)

    const scanned = await db.select({ status: pushes.scanStatus }).from(pushes)
    expect(scanned.map((p) => p.status)).toEqual(Array(200).fill('scanned'))
    const ended = await db.select({ status: incidents.status }).from(incidents)
    expect(ended.map((i) => i.status)).toEqual(Array(1000).fill('revocation_requested'))
    const calls = (await (await fetch(`${scenario.inspectorUrl}/flood-calls`)).json()) as IssuerCalls
    const revoked = calls.githubRevocations.flatMap((c) => c.credentials)
    expect(revoked.length).toBe(1000)
    expect(new Set(revoked)).toEqual(new Set(scenario.floodTokens))
    for (const c of calls.githubRevocations) expect(c.credentials.length).toBeLessThanOrEqual(GITHUB_TOKENS_PER_CALL)
    // Each incident's one email, to the commit's author.
    expect(mail.handed).toEqual(Array(1000).fill('dev@acme.example'))
    expect(await unfinished()).toEqual([])
    expect(queue.held).toEqual([])

    const consumer = consumed.map((d) => d.statements)
    for (const n of [...webhook, ...consumer, swept]) expect(n).toBeLessThanOrEqual(STATEMENT_BUDGET)
    console.info(
      `1000 tokens: D1 statements per invocation: webhook max ${Math.max(...webhook)}, consumer max ` +
        `${Math.max(...consumer)} over ${consumed.length} batches, sweep ${swept}; ${calls.githubRevocations.length} revocation calls`,
    )
  }, 300_000)

  it('retries a failing job’s message with the backoff as its delay, then completes it', async () => {
    const queue = new LoopbackQueue()
    const down = workerEnv(queue, { GITHUB_API_URL: `${scenario.inspectorUrl}/down` })
    await post(down, 'flaky-1')
    const [first] = await queue.flush(worker, down)
    expect(first!.result.retryMessages).toHaveLength(1)
    const [job] = await db.select().from(jobs).where(eq(jobs.kind, 'scan-push'))
    expect(job).toMatchObject({ state: 'queued', attempts: 1 })
    expect(job!.lastError).toMatch(/HTTP 503/)
    // The message comes back when the job is due: its delay is the job's backoff.
    const delay = first!.delays.get(first!.result.retryMessages[0]!.msgId)!
    expect(delay).toBeGreaterThanOrEqual(1)
    // Whole seconds, rounded down: the message arrives at most a second early, and its consumer waits the rest.
    expect(delay * 1000).toBeGreaterThan(job!.runAt - Date.now() - 1000)

    // Near Queues' retry limit a still-failing job gets a fresh message: time, not the retry count, ends it.
    await env.DB.prepare('update jobs set run_at = ?').bind(Date.now()).run()
    queue.held[0]!.attempts = MAX_RETRIES - 3
    await queue.flush(worker, down, { all: true, rounds: 1 })
    expect(queue.held.map((m) => m.attempts)).toEqual([0])
    expect((await db.select().from(jobs))[0]).toMatchObject({ state: 'queued', attempts: 2 })

    await env.DB.prepare('update jobs set run_at = ?').bind(Date.now()).run()
    await queue.flush(worker, workerEnv(queue), { all: true })
    const [done] = await db.select().from(jobs).where(eq(jobs.kind, 'scan-push'))
    expect(done).toMatchObject({ state: 'done', attempts: 3 })
    expect((await db.select().from(pushes))[0]!.scanStatus).toBe('scanned')
  })

  it('ends a message that fails its consumer every time in the dead-letter queue, as a visible dead job', async () => {
    const queue = new LoopbackQueue({ maxRetries: 2 })
    await post(workerEnv(queue), 'poison-1')
    const broken = workerEnv(queue, { PATROL_SEALING_KEY: 'not base64 of 32 bytes' })
    vi.spyOn(console, 'error').mockImplementation(() => {})
    await queue.flush(worker, broken, { all: true, rounds: 3 })
    expect(queue.held.map((m) => m.queue)).toEqual(['patrol-jobs-dlq'])
    const [dlq] = await queue.flush(worker, workerEnv(queue), { all: true })
    expect(dlq!.queue).toBe('patrol-jobs-dlq')
    const [job] = await db.select().from(jobs)
    expect(job).toMatchObject({ state: 'dead' })
    expect(job!.lastError).toMatch(/dead-letter queue/)
    // Its push ends as a give-up would end it: failed, saying why, not pending forever.
    const [push] = await db.select().from(pushes)
    expect(push!.scanStatus).toBe('failed')
    expect(JSON.parse(push!.partialReasons!)).toEqual([expect.stringMatching(/^scan failed: .*dead-letter queue/)])
    const health = await worker.fetch(
      new Request('https://patrol.example/healthz'),
      workerEnv(queue),
      createExecutionContext(),
    )
    expect(await health.json()).toMatchObject({ status: 'degraded', reasons: [expect.stringMatching(/^1 dead job/)] })
  })

  it('runs a job delivered twice at once only once, and finishes a job a cut-short invocation left running', async () => {
    const queue = new LoopbackQueue()
    const e = workerEnv(queue)
    const id = (await enqueue(db, { kind: 'notify', payload: { notificationId: 999_999 } }, Date.now()))!
    const twice = new LoopbackQueue()
    await twice.sendBatch([{ body: { job: id } }])
    await queue.sendBatch([{ body: { job: id } }])
    await Promise.all([twice.flush(worker, e), queue.flush(worker, e)])
    const [ran] = await db.select().from(jobs).where(eq(jobs.id, id))
    expect(ran).toMatchObject({ state: 'done', attempts: 1 })

    const stale = (await enqueue(db, { kind: 'notify', payload: { notificationId: 999_998 } }, Date.now()))!
    await env.DB.prepare(
      "update jobs set state = 'running', locked_by = 'gone', locked_at = ?, attempts = 1, dispatched_at = ? where id = ?",
    )
      .bind(Date.now() - 10 * 60_000, Date.now() - 10 * 60_000, stale)
      .run()
    await sweep(e)
    expect(queue.held.map((m) => m.body.job)).toEqual([stale])
    await queue.flush(worker, e, { all: true })
    const [finished] = await db.select().from(jobs).where(eq(jobs.id, stale))
    expect(finished).toMatchObject({ state: 'done', attempts: 2 })
  })

  it('a message given to its consumer before its job is due waits for it, without a claim that cannot succeed yet', async () => {
    const e = workerEnv(new LoopbackQueue())
    const statements: number[] = []
    for (const sayDue of [true, false]) {
      const runAt = Date.now() + 600
      const id = (await enqueue(db, { kind: 'notify', payload: { notificationId: 999_997 }, runAt }, Date.now()))!
      const queue = new LoopbackQueue()
      // Queues' whole-second delays round 0.6 s down to 0: the message arrives at once.
      await queue.sendBatch([{ body: { job: id, kind: 'notify', ...(sayDue ? { runAt } : {}) }, delaySeconds: 0 }])
      const [delivery] = await queue.flush(worker, e)
      expect(Date.now()).toBeGreaterThanOrEqual(runAt)
      expect((await db.select().from(jobs).where(eq(jobs.id, id)))[0]).toMatchObject({ state: 'done', attempts: 1 })
      statements.push(delivery!.statements)
    }
    // Without the time in its body, the consumer tries the claim, is refused, reads the job, waits and claims again.
    expect(statements[1]! - statements[0]!).toBe(2)
  })

  describe('follow-on jobs', () => {
    it('a scan’s response and its emails run in the consumer invocation that enqueued them, without a message each', async () => {
      await clearIncidents()
      const queue = new LoopbackQueue()
      const mail = mailbox()
      const e = { ...workerEnv(queue), EMAIL: mail.binding }
      await post(e, 'follow-on-1')
      expect(queue.sent).toBe(1)

      const deliveries = await queue.flush(worker, e)
      expect(deliveries).toHaveLength(1)
      const ran = await db.select({ kind: jobs.kind, state: jobs.state }).from(jobs).orderBy(jobs.id)
      expect(new Set(ran.map((j) => j.kind))).toEqual(new Set(['scan-push', 'respond', 'notify']))
      expect(ran.every((j) => j.state === 'done')).toBe(true)
      // One message only, the webhook's; every email was handed over once.
      expect(queue.sent).toBe(1)
      expect(queue.held).toEqual([])
      expect(mail.handed.length).toBe(ran.filter((j) => j.kind === 'notify').length)
      expect(mail.handed.length).toBeGreaterThan(0)
      expect(deliveries[0]!.statements).toBeLessThanOrEqual(STATEMENT_BUDGET)
    })

    it('a follow-on job that fails gets a message with its backoff as delay, and completes from it', async () => {
      await clearIncidents()
      const queue = new LoopbackQueue()
      const e = { ...workerEnv(queue), EMAIL: mailbox('451 4.3.0 try again later').binding }
      vi.spyOn(console, 'warn').mockImplementation(() => {})
      await post(e, 'follow-on-2')
      await queue.flush(worker, e)

      const notify = await db.select().from(jobs).where(eq(jobs.kind, 'notify'))
      expect(notify.length).toBeGreaterThan(0)
      for (const job of notify) expect(job).toMatchObject({ state: 'queued', attempts: 1 })
      // Each has its own message now, due when its backoff ends (whole seconds, rounded down).
      expect(queue.held.map((m) => m.body.job).sort()).toEqual(notify.map((j) => j.id).sort())
      for (const m of queue.held) expect(m.dueAt).toBeGreaterThan(Date.now())

      // Their backoff passes (as the passing of time would), then their messages come.
      await env.DB.prepare("update jobs set run_at = ? where kind = 'notify'").bind(Date.now()).run()
      const mail = mailbox()
      await queue.flush(worker, { ...e, EMAIL: mail.binding }, { all: true })
      const after = await db.select().from(jobs).where(eq(jobs.kind, 'notify'))
      for (const job of after) expect(job).toMatchObject({ state: 'done', attempts: 2 })
      expect(mail.handed).toHaveLength(notify.length)
    })

    it('the emails of a response the dead-letter queue ended are sent their messages by that invocation', async () => {
      await clearIncidents()
      const queue = new LoopbackQueue({ maxRetries: 2 })
      const e = { ...workerEnv(queue), EMAIL: mailbox().binding }
      await post(e, 'follow-on-dlq')
      await queue.flush(worker, e)
      // One incident whose response is still to run, by a job whose every consumer run fails.
      const [incident] = await db.select().from(incidents).limit(1)
      await env.DB.exec('delete from notifications; delete from audit_events;')
      await env.DB.prepare("update incidents set status = 'new' where id = ?").bind(incident!.id).run()
      const id = (await enqueue(db, { kind: 'respond', payload: { incidentId: incident!.id } }, Date.now()))!
      await queue.sendBatch([{ body: { job: id, kind: 'respond' } }])
      const broken = workerEnv(queue, { PATROL_SEALING_KEY: 'not base64 of 32 bytes' })
      vi.spyOn(console, 'error').mockImplementation(() => {})
      await queue.flush(worker, broken, { all: true, rounds: 3 })
      expect(queue.held.map((m) => m.queue)).toEqual(['patrol-jobs-dlq'])

      const [dlq] = await queue.flush(worker, e, { rounds: 1 })
      expect(dlq!.queue).toBe('patrol-jobs-dlq')
      const [ended] = await db.select().from(incidents).where(eq(incidents.id, incident!.id))
      expect(ended!.status).toBe('revoke_failed')
      const notify = await db.select().from(jobs).where(eq(jobs.kind, 'notify'))
      const fresh = notify.filter((j) => j.state === 'queued')
      expect(fresh.length).toBeGreaterThan(0)
      expect(queue.held.map((m) => m.body.job).sort()).toEqual(fresh.map((j) => j.id).sort())
    })

    it('a job an invocation enqueued and then lost (it ended first) is sent by the sweep once quiet for RESEND_AFTER_MS', async () => {
      const queue = new LoopbackQueue()
      const e = workerEnv(queue)
      // An invocation that hears of its jobs but ends before it runs or sends them.
      const own = openD1Database(env.DB)
      const heard: number[] = []
      sendOwnJobs(own, (job) => heard.push(job.id))
      const id = (await enqueue(own, { kind: 'notify', payload: { notificationId: 999_996 } }, Date.now()))!
      expect(heard).toEqual([id])
      // Stored dispatched: no other invocation's dispatch sends it a second message meanwhile.
      await sweep(e)
      expect(queue.held).toEqual([])

      const quiet = Date.now() - RESEND_AFTER_MS - 1000
      await env.DB.prepare('update jobs set dispatched_at = ? where id = ?').bind(quiet, id).run()
      await sweep(e)
      expect(queue.held.map((m) => m.body.job)).toEqual([id])
      await queue.flush(worker, e, { all: true })
      expect((await db.select().from(jobs).where(eq(jobs.id, id)))[0]).toMatchObject({ state: 'done', attempts: 1 })
    })
  })
})
