/**
 * Turns a byte stream into text pieces that end on line boundaries, so a file or a diff of any
 * size can be scanned with bounded memory. Bytes are decoded as UTF-8; invalid sequences become
 * U+FFFD instead of failing (leaked text is often not clean UTF-8).
 *
 * @example
 * for await (const piece of lineChunks(process.stdin)) scanner.scan(piece.text)
 */

/**
 * Target size of a piece in bytes: big enough for the scanner's whole-piece passes, and well under
 * Node's EXTERN_APEX (about 1 MB), above which decoded strings are allocated outside the V8 heap and
 * freed so lazily that 300 MB of input would need 200 MB of memory instead of about 125.
 */
export const PIECE_CHARS = 1 << 18
/** A line longer than this is cut, so that memory stays bounded on a file without newlines. */
export const MAX_LINE_CHARS = 8 << 20

export interface LinePiece {
  text: string
  /** True when the piece ends inside a line (a line longer than MAX_LINE_CHARS was cut). */
  cut: boolean
}

export async function* lineChunks(
  source: AsyncIterable<Uint8Array | string>,
  onBytes?: (n: number) => void,
): AsyncGenerator<LinePiece> {
  // Bytes are copied into one reused buffer and decoded once per piece: the only allocation per
  // piece is its string. Fewer, larger short-lived objects are what keep memory flat on 300 MB.
  const decoder = new TextDecoder('utf-8')
  let buffer = new Uint8Array(PIECE_CHARS * 2)
  let size = 0
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk
    onBytes?.(typeof chunk === 'string' ? chunk.length : chunk.byteLength)
    if (size + bytes.byteLength > buffer.length) {
      const bigger = new Uint8Array(Math.max(buffer.length * 2, size + bytes.byteLength))
      bigger.set(buffer.subarray(0, size))
      buffer = bigger
    }
    buffer.set(bytes, size)
    size += bytes.byteLength
    if (size < PIECE_CHARS) continue
    const cut = buffer.subarray(0, size).lastIndexOf(0x0a)
    if (cut === -1 && size < MAX_LINE_CHARS) continue
    const end = cut === -1 ? size : cut + 1
    yield { text: decoder.decode(buffer.subarray(0, end), { stream: true }), cut: cut === -1 }
    buffer.copyWithin(0, end, size)
    size -= end
    // A long line made the buffer grow; give the memory back once it is gone.
    if (buffer.length > PIECE_CHARS * 2 && size < PIECE_CHARS) buffer = buffer.slice(0, PIECE_CHARS * 2)
  }
  const text = decoder.decode(buffer.subarray(0, size))
  if (text !== '') yield { text, cut: false }
}

/** Number of `\n` in text. */
export function countLines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}
