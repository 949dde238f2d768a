/**
 * A response stuck in retries, seen by the Workers cron sweep (`scheduled`): a `respond` job that has kept failing
 * for more than 10 minutes while its incident is `responding` gets one `needs_attention` message on the channels that
 * take it, written with what patrol waits for, the last error and the next try, and its `channel-notify` job is
 * dispatched in the same cron run. A second run in the same stuck episode writes nothing more. (The Node runner's
 * idle hook runs the same sweep: test/notify/channels.test.ts sends it to loopback receivers.)
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openD1Database } from '../../src/adapter/workers/d1.js'
import { createWorker, type WorkerEnv } from '../../src/adapter/workers/index.js'
import { channelMessages, incidents, jobs } from '../../src/db/schema.js'
import { LoopbackQueue } from './loopback-queue.js'

const MINUTE = 60_000
const worker = createWorker()
const db = openD1Database(env.DB)
const jobsQueue = new LoopbackQueue()
const workerEnv: WorkerEnv = {
  ...env,
  JOBS: jobsQueue,
  PATROL_PUBLIC_URL: 'https://patrol.acme.example',
  PATROL_WEBHOOK_URL: 'https://siem.acme.example/patrol',
  PATROL_WEBHOOK_SECRET: 'siem-shared-secret-0123456789',
  PATROL_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T0/B0/x',
  PATROL_SLACK_EVENTS: 'response.failed',
}

async function cron(): Promise<void> {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), workerEnv, ctx)
  await waitOnExecutionContext(ctx)
}

describe('the Workers cron sweep', () => {
  it('writes one needs_attention message per stuck episode for a response that keeps failing, and dispatches it', async () => {
    const now = Date.now()
    const [incident] = await db
      .insert(incidents)
      .values({
        fingerprint: 'f'.repeat(64),
        kind: 'azure-devops-pat',
        issuer: 'azure-devops',
        preview: 'abcd…wxyz',
        status: 'responding',
        statusChangedAt: now - 15 * MINUTE,
        firstSeenAt: now - 15 * MINUTE,
        lastSeenAt: now - 15 * MINUTE,
        firstPushedAt: now - 15 * MINUTE,
        createdAt: now - 15 * MINUTE,
        updatedAt: now - 15 * MINUTE,
      })
      .returning()
    const since = now - 11 * MINUTE
    const [job] = await db
      .insert(jobs)
      .values({
        kind: 'respond',
        payload: JSON.stringify({ incidentId: incident!.id }),
        state: 'queued',
        attempts: 6,
        maxAttempts: 1000,
        runAt: now + 4 * MINUTE,
        createdAt: since,
        updatedAt: now - MINUTE,
        failingSince: since,
        lastError: 'POST vssps.dev.azure.com/_apis/tokenadmin/revocations: HTTP 503',
      })
      .returning()

    await cron()
    const rows = await db.select().from(channelMessages).where(eq(channelMessages.incidentId, incident!.id))
    // The webhook takes every event; Slack only failures, which this is not.
    expect(rows.map((r) => [r.channel, r.event, r.outcome, r.status])).toEqual([
      ['webhook', 'needs_attention', `responding:stuck:${since}`, 'pending'],
    ])
    expect(JSON.parse(rows[0]!.attention!)).toEqual({
      waitingFor: expect.stringContaining('the issuer to accept the revocation'),
      reason: 'POST vssps.dev.azure.com/_apis/tokenadmin/revocations: HTTP 503',
      since,
      nextAttemptAt: job!.runAt,
    })
    const [send] = await db.select().from(jobs).where(eq(jobs.kind, 'channel-notify'))
    expect(jobsQueue.held.some((m) => m.body.job === send!.id)).toBe(true)

    // The same episode, a minute later: nothing new.
    await cron()
    expect(await db.select().from(channelMessages)).toHaveLength(1)
  })
})
