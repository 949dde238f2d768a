/**
 * Reading the body of a remote answer, with failures while reading classified like failures of the call itself:
 * a timeout or dropped connection mid-body is transient, a body that is not the JSON it should be is permanent.
 * Blob reads are capped so that a push's byte budget bounds what is actually downloaded.
 *
 * @example
 * const compare = await readJson<Compare>(await remoteFetch(url, init, opts), 'compare')
 * const { bytes, complete } = await readBytes(await remoteFetch(blobUrl, init, opts), budget.remaining, 'blob')
 */
import { RemoteError } from './remote-error.js'

export async function readJson<T>(res: Response, what: string): Promise<T> {
  let text: string
  try {
    text = await res.text()
  } catch (cause) {
    throw new RemoteError('transient', `${what}: reading the answer failed`, { cause })
  }
  try {
    return JSON.parse(text) as T
  } catch (cause) {
    throw new RemoteError('permanent', `${what}: the answer is not JSON`, { status: res.status, cause })
  }
}

/** Reads at most `cap` bytes; `complete` is false when the body was longer (the rest is not downloaded). */
export async function readBytes(
  res: Response,
  cap: number,
  what: string,
): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (!res.body) return { bytes: new Uint8Array(0), complete: true }
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.length
      if (total > cap) {
        await reader.cancel().catch(() => {})
        return { bytes: concat(chunks, total - value.length), complete: false }
      }
      chunks.push(value)
    }
  } catch (cause) {
    throw new RemoteError('transient', `${what}: reading the answer failed`, { cause })
  }
  return { bytes: concat(chunks, total), complete: true }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/** Decodes file content as UTF-8; invalid sequences become U+FFFD rather than failing the scan. */
export function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes)
}
