/**
 * The floor under bench:workers: a Worker with patrol's queue settings and patrol's shape of work per push, but none
 * of patrol's logic. A webhook runs 4 D1 statements and sends a message; the message then takes 4 queue hops (read
 * the push's compare from the GitHub stand-in, respond, revoke with one `POST /credentials/revoke`, notify), each
 * running STATEMENTS_PER_HOP trivial D1 statements one after another, as patrol's jobs do (or, with FLOOR_BATCHED,
 * as one batch: the same statements in one round trip each hop). Its push-to-revocation latency and CPU under
 * `wrangler dev` are what the local runtime costs before patrol's own code.
 *
 * @example
 * npx wrangler dev --config bench/support/queue-floor.toml --var GITHUB_API_URL:http://127.0.0.1:9999
 */

interface Env {
  DB: {
    prepare(q: string): { bind(...v: unknown[]): D1Statement }
    exec(q: string): Promise<unknown>
    batch(s: D1Statement[]): Promise<unknown>
  }
  JOBS: { sendBatch(m: { body: Hop }[]): Promise<void> }
  GITHUB_API_URL: string
  STATEMENTS_PER_HOP?: string
  /** '1': each hop's statements go as one D1 batch (one round trip) instead of one after another. */
  FLOOR_BATCHED?: string
}

interface D1Statement {
  run(): Promise<unknown>
  first(): Promise<unknown>
}

interface Hop {
  step: number
  head: string
  token?: string
}

let ready: Promise<unknown> | undefined
const table = (env: Env) => (ready ??= env.DB.exec('CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, v TEXT)'))

/** `n` statements one after another (or as one batch): an insert, then a read of what it wrote, and so on. */
async function statements(env: Env, n: number, v: string) {
  await table(env)
  const at = (i: number) =>
    i % 2 === 0
      ? env.DB.prepare('INSERT INTO floor (v) VALUES (?)').bind(v)
      : env.DB.prepare('SELECT count(*) AS n FROM floor WHERE v = ?').bind(v)
  if (env.FLOOR_BATCHED === '1') {
    await env.DB.batch(Array.from({ length: n }, (_, i) => at(i)))
    return
  }
  for (let i = 0; i < n; i++) await (i % 2 === 0 ? at(i).run() : at(i).first())
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== 'POST') return new Response('ok')
    const push = (await request.json()) as { before: string; after: string }
    await statements(env, 4, push.after)
    await env.JOBS.sendBatch([{ body: { step: 1, head: `${push.before}...${push.after}` } }])
    return new Response(null, { status: 202 })
  },

  async queue(batch: { messages: { body: Hop; ack(): void }[] }, env: Env): Promise<void> {
    const perHop = Number(env.STATEMENTS_PER_HOP ?? 11)
    const next: { body: Hop }[] = []
    await Promise.all(
      batch.messages.map(async (m) => {
        const hop = m.body
        if (hop.step === 1) {
          const res = await fetch(`${env.GITHUB_API_URL}/repos/acme/app/compare/${hop.head}`)
          hop.token = /gh[pousr]_[A-Za-z0-9]{36}/.exec(await res.text())?.[0]
        }
        await statements(env, perHop, hop.head)
        if (hop.step === 3)
          await fetch(`${env.GITHUB_API_URL}/credentials/revoke`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ credentials: [hop.token] }),
          })
        if (hop.step < 4) next.push({ body: { ...hop, step: hop.step + 1 } })
        m.ack()
      }),
    )
    if (next.length) await env.JOBS.sendBatch(next)
  },
}
