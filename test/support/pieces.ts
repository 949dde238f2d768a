/**
 * Feeding bytes the way a stream delivers them: in random pieces, for checks that run while a body streams in (the
 * GitHub signature check). No `node:` import: the Workers tests use it too.
 *
 * @example
 * feedInPieces(check, body) // 1 to 200 bytes at a time
 */
export function feedInPieces(sink: { update(chunk: Uint8Array): void }, body: Uint8Array, most = 200): void {
  for (let at = 0; at < body.length; ) {
    const next = Math.min(body.length, at + 1 + Math.floor(Math.random() * most))
    sink.update(body.subarray(at, next))
    at = next
  }
}
