/**
 * A stand-in for the `JOBS` producer binding inside workerd tests: it holds what patrol sends, and `flush` hands the
 * messages to the Worker's real `queue()` handler in batches built by `cloudflare:test` (createMessageBatch), reading
 * each message's fate with getQueueResult: acked messages leave; retried ones come back with their delay and one more
 * attempt; after `maxRetries` retries a message goes to the dead-letter queue, as Cloudflare does. Time is the test's
 * to move: `flush({ all: true })` delivers delayed messages too, as if their delay had passed.
 *
 * @example
 * const jobs = new LoopbackQueue()
 * await worker.fetch(request, { ...env, JOBS: jobs }, ctx)
 * await jobs.flush(worker, { ...env, JOBS: jobs })
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { countStatements } from '../../src/adapter/workers/d1.js'
import type { PatrolWorker, WorkerEnv } from '../../src/adapter/workers/index.js'
import type { JobMessageBody } from '../../src/jobs/dispatch.js'

export interface HeldMessage {
  id: string
  body: JobMessageBody
  /** Deliveries so far. */
  attempts: number
  /** Epoch ms before which the message is not delivered (unless `all`). */
  dueAt: number
  queue: string
}

export interface Delivery {
  queue: string
  messages: HeldMessage[]
  result: Awaited<ReturnType<typeof getQueueResult>>
  /** D1 statements the consumer invocation ran (counted on its own binding). */
  statements: number
  /** The delay (s) of each message the consumer retried, by message id. */
  delays: Map<string, number>
}

export class LoopbackQueue {
  readonly held: HeldMessage[] = []
  readonly deliveries: Delivery[] = []
  sent = 0
  private counter = 0

  constructor(
    private readonly o: { queue?: string; deadLetterQueue?: string; maxRetries?: number; batchSize?: number } = {},
  ) {}

  async send(body: JobMessageBody, options: { delaySeconds?: number } = {}): Promise<void> {
    this.hold(body, options.delaySeconds ?? 0, 0, this.o.queue ?? 'patrol-jobs')
  }

  async sendBatch(messages: Iterable<{ body: JobMessageBody; delaySeconds?: number }>): Promise<void> {
    for (const m of messages) await this.send(m.body, { delaySeconds: m.delaySeconds })
  }

  /** Delivers due messages (all with `all`) until none is left to deliver now; returns the batches delivered. */
  async flush(worker: PatrolWorker, env: WorkerEnv, o: { all?: boolean; rounds?: number } = {}): Promise<Delivery[]> {
    const done: Delivery[] = []
    for (let round = 0; round < (o.rounds ?? 100); round++) {
      const now = Date.now()
      const due = this.held.filter((m) => o.all || m.dueAt <= now)
      if (due.length === 0) break
      const queue = due[0]!.queue
      const batch = due.filter((m) => m.queue === queue).slice(0, this.o.batchSize ?? 10)
      for (const m of batch) this.held.splice(this.held.indexOf(m), 1)
      done.push(await this.deliver(worker, env, queue, batch))
    }
    return done
  }

  private async deliver(worker: PatrolWorker, env: WorkerEnv, queue: string, batch: HeldMessage[]) {
    const messageBatch = createMessageBatch<JobMessageBody>(
      queue,
      batch.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts + 1, body: m.body })),
    )
    // getQueueResult names retried messages but not their delay: read it from the retry calls themselves.
    const delays = new Map<string, number>()
    for (const message of messageBatch.messages) {
      const retry = message.retry.bind(message)
      message.retry = (options) => {
        delays.set(message.id, options?.delaySeconds ?? 0)
        retry(options)
      }
    }
    const ctx = createExecutionContext()
    const counted = countStatements(env.DB)
    let threw = false
    try {
      await worker.queue(messageBatch, { ...env, DB: counted.binding }, ctx)
    } catch {
      threw = true
    }
    const result = await getQueueResult(messageBatch, ctx)
    const retried = new Map(
      result.retryMessages.map((r: { msgId: string }) => [r.msgId, delays.get(r.msgId) ?? 0] as const),
    )
    for (const m of batch) {
      // Cloudflare's rules: an explicit retry wins; a handler that threw retries what it did not ack; else acked.
      const again = retried.has(m.id) || result.retryBatch.retry || (threw && !result.explicitAcks.includes(m.id))
      if (!again) continue
      const delay = retried.get(m.id) ?? result.retryBatch.delaySeconds ?? 0
      if (m.attempts + 1 > (this.o.maxRetries ?? 100)) {
        this.hold(m.body, 0, 0, this.o.deadLetterQueue ?? 'patrol-jobs-dlq')
        continue
      }
      this.held.push({ ...m, attempts: m.attempts + 1, dueAt: Date.now() + delay * 1000 })
    }
    const delivery = { queue, messages: batch, result, statements: counted.statements.count, delays }
    this.deliveries.push(delivery)
    return delivery
  }

  private hold(body: JobMessageBody, delaySeconds: number, attempts: number, queue: string) {
    this.sent++
    this.held.push({ id: `m${++this.counter}`, body, attempts, dueAt: Date.now() + delaySeconds * 1000, queue })
  }
}
