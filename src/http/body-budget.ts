/**
 * Reading a body nobody has authenticated yet without letting strangers fill patrol's memory. Each read has its own
 * cap (413 past it), and all such reads in the process (or Workers isolate) share one budget of bytes
 * (`PATROL_UNVERIFIED_BODY_BYTES`): a read that would go over it stops at once and the caller answers 503 with
 * `Retry-After`. A declared `Content-Length` is reserved before the first byte is read, so a flood of large posts is
 * refused without reading them; a chunked body is counted chunk by chunk. The bytes are given back when the read ends
 * (the caller has verified the body by then, or refused it).
 *
 * @example
 * const read = await readBounded(c.req.raw, { maxBytes: 4096, budget, onChunk: (b) => check.update(b) })
 * if (!read.ok) return bodyRefusal(c, read)      // 413 or 503 + Retry-After
 * new TextDecoder().decode(read.bytes)
 */
import type { Context } from 'hono'
import type { AppEnv } from './deps.js'
import { jsonError } from './errors.js'

/** GitHub's cap on webhook payloads. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024

export class BodyBudget {
  #inUse = 0
  constructor(readonly limitBytes: number) {}

  get inUse(): number {
    return this.#inUse
  }

  reserve(bytes: number): boolean {
    if (this.#inUse + bytes > this.limitBytes) return false
    this.#inUse += bytes
    return true
  }

  release(bytes: number): void {
    this.#inUse = Math.max(0, this.#inUse - bytes)
  }
}

export type BoundedRead =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; problem: 'too_large'; maxBytes: number }
  | { ok: false; problem: 'busy' }

export interface ReadOptions {
  maxBytes: number
  /** Shared budget of unverified bytes; none for a request already authenticated. */
  budget?: BodyBudget
  /** Sees each chunk as it arrives (e.g. a streaming signature check). */
  onChunk?(chunk: Uint8Array): void
}

export async function readBounded(request: Request, o: ReadOptions): Promise<BoundedRead> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > o.maxBytes) return { ok: false, problem: 'too_large', maxBytes: o.maxBytes }
  let reserved = 0
  const reserve = (bytes: number) => {
    if (!o.budget) return true
    if (!o.budget.reserve(bytes)) return false
    reserved += bytes
    return true
  }
  if (Number.isFinite(declared) && declared > 0 && !reserve(declared)) return { ok: false, problem: 'busy' }
  const reader = request.body?.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  try {
    while (reader) {
      const { done, value } = await reader.read()
      if (done) break
      length += value.length
      if (length > o.maxBytes) {
        await reader.cancel().catch(() => {})
        return { ok: false, problem: 'too_large', maxBytes: o.maxBytes }
      }
      if (length > reserved && !reserve(length - reserved)) {
        await reader.cancel().catch(() => {})
        return { ok: false, problem: 'busy' }
      }
      o.onChunk?.(value)
      chunks.push(value)
    }
  } finally {
    o.budget?.release(reserved)
  }
  const bytes = new Uint8Array(length)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.length
  }
  return { ok: true, bytes }
}

/** The answer to a failed read: 413 naming the cap, or 503 asking the sender to come back. */
export function bodyRefusal(c: Context<AppEnv>, read: Exclude<BoundedRead, { ok: true }>) {
  if (read.problem === 'too_large') return jsonError(c, 413, `body: expects at most ${read.maxBytes} bytes`)
  c.header('Retry-After', '10')
  return jsonError(c, 503, 'patrol is reading too many unverified bodies right now; retry later')
}
