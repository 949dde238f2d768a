/**
 * Turns a byte stream into text pieces that end on line boundaries, so a file or a diff of any
 * size can be scanned with bounded memory. Bytes are decoded as UTF-8; invalid sequences become
 * U+FFFD instead of failing (leaked text is often not clean UTF-8). With `bytes`, pieces are left
 * undecoded, one character per byte, for DiffScanner's `bytes` mode.
 *
 * @example
 * const scanner = new DiffScanner({ bytes: true })
 * for await (const piece of lineChunks(process.stdin, { bytes: true })) scanner.scan(piece.text)
 */

/**
 * Target size of a piece in bytes (a piece is at most twice this, unless one line is longer): big
 * enough that the scanner's per-piece work is noise, and small enough that a piece's string is an
 * ordinary young V8 object. Strings over about 128 KB live in pages of their own, mapped and
 * unmapped for each piece (256 KB pieces cost 0.15 s of page faults on 300 MB), and over about 1 MB
 * (EXTERN_APEX) outside the V8 heap, freed so lazily that memory grows with the input.
 */
export const PIECE_CHARS = 1 << 15
/** A line longer than this is cut, so that memory stays bounded on a file without newlines. */
export const MAX_LINE_CHARS = 8 << 20
/** The read buffer's usual size: room for a piece and a large read (standard input reads a megabyte). */
const CAPACITY = 4 << 20

export interface LinePiece {
  text: string
  /** True when the piece ends inside a line (a line longer than MAX_LINE_CHARS was cut). */
  cut: boolean
}

export interface LineChunkOptions {
  onBytes?: (n: number) => void
  /**
   * Pieces are the bytes themselves, one character per byte (src/scan/bytes.ts), for a scanner
   * that reads bytes (DiffScanner's `bytes`): copying bytes into a string costs a fraction of
   * decoding them. A leading byte-order mark is dropped and a cut line is cut between characters,
   * as the decoder would.
   */
  bytes?: boolean
}

const BOM = [0xef, 0xbb, 0xbf]

/** Where to cut `bytes` without splitting a UTF-8 sequence that may be complete after it. */
function characterBoundary(bytes: Uint8Array): number {
  const size = bytes.length
  for (let i = size - 1; i >= 0 && i >= size - 3; i--) {
    const b = bytes[i]!
    if (b < 0x80) return size
    if (b >= 0xc0) return size - i < (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) ? i : size
  }
  return size
}

export async function* lineChunks(
  source: AsyncIterable<Uint8Array | string>,
  options: LineChunkOptions = {},
): AsyncGenerator<LinePiece> {
  const { onBytes, bytes: asBytes = false } = options
  // Bytes are copied into one reused buffer and decoded once per piece: the only allocation per
  // piece is its string. Fewer, larger short-lived objects are what keep memory flat on 300 MB.
  const decoder = new TextDecoder('utf-8')
  const decode = (bytes: Uint8Array): string =>
    asBytes
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
      : decoder.decode(bytes, { stream: true })
  let buffer = new Uint8Array(CAPACITY)
  // The bytes not yet yielded are buffer[start, size).
  let start = 0
  let size = 0
  let first = asBytes
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk
    onBytes?.(typeof chunk === 'string' ? chunk.length : chunk.byteLength)
    if (size + bytes.byteLength > buffer.length) {
      buffer.copyWithin(0, start, size)
      size -= start
      start = 0
    }
    if (size + bytes.byteLength > buffer.length) {
      const bigger = new Uint8Array(Math.max(buffer.length * 2, size + bytes.byteLength))
      bigger.set(buffer.subarray(0, size))
      buffer = bigger
    }
    buffer.set(bytes, size)
    size += bytes.byteLength
    if (first && size >= BOM.length) {
      first = false
      if (BOM.every((b, i) => buffer[i] === b)) start = BOM.length
    }
    // A chunk can hold several pieces: each ends at the last line end within twice PIECE_CHARS,
    // or at the end of a longer line.
    while (size - start >= PIECE_CHARS) {
      const limit = Math.min(size, start + PIECE_CHARS * 2)
      let cut = buffer.lastIndexOf(0x0a, limit - 1)
      if (cut < start) cut = buffer.subarray(0, size).indexOf(0x0a, limit)
      if (cut === -1 && size - start < MAX_LINE_CHARS) break
      const end = cut !== -1 ? cut + 1 : asBytes ? start + characterBoundary(buffer.subarray(start, size)) : size
      yield { text: decode(buffer.subarray(start, end)), cut: cut === -1 }
      start = end
    }
    // A long line made the buffer grow; give the memory back once it is gone.
    if (buffer.length > CAPACITY && size - start < PIECE_CHARS) {
      const smaller = new Uint8Array(CAPACITY)
      smaller.set(buffer.subarray(start, size))
      buffer = smaller
      size -= start
      start = 0
    }
  }
  const rest = buffer.subarray(start, size)
  const text = asBytes ? decode(rest) : decoder.decode(rest)
  if (text !== '') yield { text, cut: false }
}

/** Number of `\n` in text. */
export function countLines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}
