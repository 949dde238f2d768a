/**
 * The Worker's own entry, with the env wrangler.toml and Workers secrets give it: health over D1, and a
 * misconfiguration answered without leaking which secret is wrong.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import worker, { type WorkerEnv } from '../../src/adapter/workers/index.js'

describe('the Worker entry', () => {
  it('is a module Worker with fetch and scheduled handlers', () => {
    // Compile time: the entry fits workerd's handler type, with the locally declared context types in
    // src/adapter/workers/index.ts.
    const handler: ExportedHandler<WorkerEnv> = worker
    expect(typeof handler.fetch).toBe('function')
    expect(typeof handler.scheduled).toBe('function')
  })

  it('answers /healthz from D1 with the queue depth', async () => {
    const res = await exports.default.fetch('https://patrol.example/healthz')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { status: string; database: string; queue: { depth: number } }
    expect(body).toMatchObject({ status: 'ok', database: 'ok' })
    expect(typeof body.queue.depth).toBe('number')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('answers 503 from /healthz when D1 has no schema', async () => {
    const logged = vi.spyOn(console, 'log').mockImplementation(() => {})
    const ctx = createExecutionContext()
    const res = await worker.fetch(new Request('https://patrol.example/healthz'), { ...env, DB: env.NO_SCHEMA }, ctx)
    await waitOnExecutionContext(ctx)
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ status: 'unavailable', database: 'unreachable' })
    expect(logged.mock.calls.map(String).join('\n')).toContain('"event":"health.database_failed"')
    logged.mockRestore()
  })

  it('answers 500 without details when a secret is missing, naming it in the log only', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const ctx = createExecutionContext()
    const res = await worker.fetch(
      new Request('https://patrol.example/healthz'),
      { ...env, PATROL_SEALING_KEY: '' },
      ctx,
    )
    expect(res.status).toBe(500)
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({ error: 'patrol is not configured; see the Worker logs' })
    expect(text).not.toContain('PATROL_SEALING_KEY')
    expect(logged.mock.calls.map(String).join('\n')).toContain('PATROL_SEALING_KEY: missing')
    logged.mockRestore()
  })
})
