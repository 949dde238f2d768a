/**
 * Unified diffs → the lines they add, with path, new-file line number and commit.
 * Patrol only cares about what a change *added*: a token that a push deleted is not a new leak.
 *
 * Three input forms are understood:
 * - `git log -p` output (`commit <sha>` headers, then `diff --git` sections),
 * - `git diff` / `diff -u` output (`---`/`+++` file headers),
 * - GitHub compare-API `patch` strings (hunks only; the caller knows the path).
 *
 * Hunks are followed by their line counts, not by guessing from the first character, so an added
 * line that reads `+++ b/x` or `commit abc` cannot be mistaken for a header. Renames, binary
 * markers, `\ No newline at end of file`, CRLF line ends, combined (merge) diffs and bytes that are
 * not UTF-8 (already replaced by U+FFFD when the bytes were decoded) do not derail the parser.
 *
 * @example
 * parseUnifiedDiff('commit 1a2b\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,0 +1,1 @@\n+hello\n')
 * // [{ path: 'x', line: 1, text: 'hello', commit: '1a2b' }]
 * parsePatch('@@ -3,1 +3,2 @@\n ctx\n+new', 'src/a.ts', 'cafe')
 * // [{ path: 'src/a.ts', line: 4, text: 'new', commit: 'cafe' }]
 */
import { decodeBytes } from './bytes.js'
import { detach } from './detach.js'
import type { AddedLine } from './types.js'

/** Paths outlive the piece of diff they were read from (see detach.ts). */
function detachPath(path: string | undefined): string | undefined {
  return path === undefined ? undefined : detach(path)
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/
const COMBINED_HUNK = /^(@{3,}) ((?:-\d+(?:,\d+)? )+)\+(\d+)(?:,(\d+))? @{3,}/
const RANGE = /-\d+(?:,(\d+))?/g

/**
 * A line-at-a-time reader of one diff. Feed it every line in order with {@link DiffReader.next};
 * it answers with the new-file line number of an added line, or 0. It never copies the line, so
 * callers scanning hundreds of megabytes can skip lines that cannot hold a token.
 */
export class DiffReader {
  /** Commit of the current section (from the last `commit <sha>` header), if any. */
  commit: string | undefined
  /** New path of the current file; undefined for a deletion (`+++ /dev/null`) or before any header. */
  path: string | undefined
  /** Width of the +/-/space prefix on hunk lines: 1, or one per parent in a combined diff. */
  prefixWidth = 1
  /** The text is UTF-8 bytes, one character per byte (bytes.ts): paths are decoded as they are read. */
  bytes = false
  private newLine = 0
  private newLeft = 0
  /** Old-side lines left in an ordinary hunk. */
  private oldLeft = 0
  /** Old-side lines left per parent in a combined hunk. */
  private parentsLeft: number[] = []

  constructor(path?: string, commit?: string) {
    this.path = path
    this.commit = commit
  }

  /** Forgets the current file and hunk, as after a `commit` header (used to resume at a `diff` line). */
  restart(commit: string | undefined): void {
    this.commit = commit
    this.path = undefined
    this.prefixWidth = 1
    this.newLine = 0
    this.newLeft = 0
    this.oldLeft = 0
    this.parentsLeft = []
  }

  /**
   * Reads, from line start `start`, the run of added lines of an ordinary hunk that begins there,
   * up to `to`: the same as calling {@link next} on each, without the call per line (a file's worth
   * of lines in `git log -p` are all added). Returns where the run stopped.
   */
  skipAdded(text: string, start: number, to: number): number {
    if (this.prefixWidth !== 1) return start
    let left = this.newLeft
    let line = this.newLine
    while (left > 0 && start < to && text.charCodeAt(start) === 0x2b) {
      const end = text.indexOf('\n', start)
      left--
      line++
      start = end === -1 || end >= to ? to : end + 1
    }
    this.newLeft = left
    this.newLine = line
    return start
  }

  /** True while inside a hunk body. */
  get inHunk(): boolean {
    if (this.newLeft > 0 || this.oldLeft > 0) return true
    for (const n of this.parentsLeft) if (n > 0) return true
    return false
  }

  /**
   * Reads the line `text[start, end)` (no `\n`; a trailing `\r` is fine).
   * @returns the added line's 1-based number in the new file, or 0 when the line adds nothing.
   */
  next(text: string, start = 0, end = text.length): number {
    // The ordinary case first and without calls: this runs once per line of hundreds of megabytes.
    if (this.prefixWidth === 1 && (this.newLeft > 0 || this.oldLeft > 0)) {
      const c = start < end ? text.charCodeAt(start) : -1
      if (c === 0x2b /* + */) {
        this.newLeft--
        return this.newLine++
      }
      if (c === 0x2d /* - */) {
        this.oldLeft--
        return 0
      }
      const n = this.hunkLine(c, start, end)
      if (n >= 0) return n
    } else if (this.prefixWidth > 1 && this.inHunk) {
      const n = this.combinedLine(text, start, end)
      if (n >= 0) return n
    } else {
      this.headerLine(text, start, end)
      return 0
    }
    // Not a hunk line: the hunk was shorter than announced (a truncated patch). Read it as a header.
    this.newLeft = 0
    this.oldLeft = 0
    this.parentsLeft = []
    this.headerLine(text, start, end)
    return 0
  }

  /** A line inside an ordinary hunk that is neither added nor removed; -1 if it cannot belong to a hunk. */
  private hunkLine(c: number, start: number, end: number): number {
    // A context line; some tools strip the single space of an empty context line.
    if (c === 0x20 || c === -1 || (c === 0x0d && end - start === 1)) {
      this.newLine++
      this.newLeft--
      this.oldLeft--
      return 0
    }
    if (c === 0x5c /* \ No newline at end of file */) return 0
    return -1
  }

  /**
   * One line of a combined diff (`diff --cc` of a merge). A line is part of the merge result unless
   * a column says `-`; it is new to the merge only when every column says `+`, since a line that
   * one parent already had was added (and scanned) in that parent's own commit.
   */
  private combinedLine(text: string, start: number, end: number): number {
    const width = this.prefixWidth
    if (end - start < width) {
      if (start < end && text.charCodeAt(start) === 0x5c) return 0
      return -1
    }
    let plus = 0
    let minus = false
    for (let i = 0; i < width; i++) {
      const c = text.charCodeAt(start + i)
      if (c === 0x2b) plus++
      else if (c === 0x2d) minus = true
      else if (c === 0x5c && i === 0) return 0
      else if (c !== 0x20) return -1
    }
    for (let i = 0; i < width; i++) {
      const c = text.charCodeAt(start + i)
      if (minus ? c === 0x2d : c === 0x20) this.parentsLeft[i] = (this.parentsLeft[i] ?? 0) - 1
    }
    if (minus) return 0
    this.newLeft--
    const n = this.newLine++
    return plus === width ? n : 0
  }

  private headerLine(text: string, start: number, end: number): void {
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--
    const c = start < end ? text.charCodeAt(start) : -1
    if (c === 0x40 /* @ */) {
      this.hunkHeader(text.slice(start, end))
    } else if (c === 0x63 /* c */ && text.startsWith('commit ', start)) {
      const sha = commitAt(text, start, end)
      if (sha !== undefined) {
        this.commit = sha
        this.path = undefined
      }
    } else if (c === 0x64 /* d */ && text.startsWith('diff ', start)) {
      this.path = detachPath(pathFromDiffLine(this.lineText(text, start, end)))
    } else if (c === 0x2b /* + */ && text.startsWith('+++ ', start)) {
      this.path = detachPath(pathFromFileHeader(this.lineText(text, start + 4, end)))
    } else if (c === 0x72 /* r */ && text.startsWith('rename to ', start)) {
      this.path = detach(unquotePath(this.lineText(text, start + 10, end)))
    } else if (c === 0x63 /* c */ && text.startsWith('copy to ', start)) {
      this.path = detach(unquotePath(this.lineText(text, start + 8, end)))
    }
  }

  /** `text[start, end)` as text (decoded when the reader reads bytes). */
  private lineText(text: string, start: number, end: number): string {
    return this.bytes ? decodeBytes(text, start, end) : text.slice(start, end)
  }

  private hunkHeader(line: string): void {
    const plain = HUNK.exec(line)
    if (plain) {
      this.prefixWidth = 1
      this.newLine = Number(plain[1])
      this.newLeft = plain[2] === undefined ? 1 : Number(plain[2])
      const old = /^@@ -\d+(?:,(\d+))?/.exec(line)
      this.oldLeft = old?.[1] === undefined ? 1 : Number(old[1])
      this.parentsLeft = []
      return
    }
    const combined = COMBINED_HUNK.exec(line)
    if (combined) {
      this.prefixWidth = (combined[1] ?? '@@@').length - 1
      this.newLine = Number(combined[3])
      this.newLeft = combined[4] === undefined ? 1 : Number(combined[4])
      this.oldLeft = 0
      this.parentsLeft = [...(combined[2] ?? '').matchAll(RANGE)].map((m) => (m[1] === undefined ? 1 : Number(m[1])))
    }
  }
}

/** The sha of a `commit <sha>` header line at `text[start, end)`, if it is one. */
export function commitAt(text: string, start: number, end: number): string | undefined {
  if (!text.startsWith('commit ', start)) return undefined
  const sha = /^[0-9a-f]{7,64}/.exec(text.slice(start + 7, Math.min(end, start + 7 + 64)))?.[0]
  return sha === undefined ? undefined : detach(sha)
}

/** Splits text into lines and hands each to `onLine(start, end)` (end excludes `\n`). */
function forEachLine(text: string, onLine: (start: number, end: number) => void): void {
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    onLine(start, end)
    start = end + 1
  }
}

/** The content of a hunk line: without its +/space prefix and without a trailing `\r`. */
export function lineContent(text: string, start: number, end: number, prefixWidth: number): string {
  if (end > start && text.charCodeAt(end - 1) === 0x0d) end--
  return text.slice(Math.min(start + prefixWidth, end), end)
}

function collect(reader: DiffReader, text: string): AddedLine[] {
  const added: AddedLine[] = []
  forEachLine(text, (start, end) => {
    const line = reader.next(text, start, end)
    if (line > 0 && reader.path !== undefined) {
      const entry: AddedLine = { path: reader.path, line, text: lineContent(text, start, end, reader.prefixWidth) }
      if (reader.commit !== undefined) entry.commit = reader.commit
      added.push(entry)
    }
  })
  return added
}

/** The added lines of `git log -p`, `git diff` or `diff -u` output. */
export function parseUnifiedDiff(text: string): AddedLine[] {
  return collect(new DiffReader(), text)
}

/** The added lines of one file's GitHub compare-API `patch` (hunks only, no file header). */
export function parsePatch(patch: string, path: string, commit?: string): AddedLine[] {
  return collect(new DiffReader(path, commit), patch)
}

/**
 * Streaming form of {@link parseUnifiedDiff}: reads chunks (strings, or bytes decoded as UTF-8 with
 * U+FFFD for invalid sequences) and yields added lines as they complete. Memory stays bounded by
 * the longest line.
 */
export async function* parseUnifiedDiffStream(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<AddedLine> {
  const reader = new DiffReader()
  const decoder = new TextDecoder('utf-8')
  let carry = ''
  const flush = function* (text: string): Generator<AddedLine> {
    yield* collect(reader, text)
  }
  for await (const chunk of chunks) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
    const cut = text.lastIndexOf('\n')
    if (cut === -1) {
      carry = text
      continue
    }
    carry = text.slice(cut + 1)
    yield* flush(text.slice(0, cut + 1))
  }
  const rest = carry + decoder.decode()
  if (rest !== '') yield* flush(rest)
}

/** `diff --git a/x b/y`, `diff --cc x`, `diff --combined x`: the new path when it can be told. */
function pathFromDiffLine(line: string): string | undefined {
  if (line.startsWith('diff --cc ')) return unquotePath(line.slice(10))
  if (line.startsWith('diff --combined ')) return unquotePath(line.slice(16))
  if (!line.startsWith('diff --git ')) return undefined
  const rest = line.slice(11)
  if (rest.endsWith('"')) {
    const open = rest.lastIndexOf(' "')
    return open === -1 ? undefined : stripSidePrefix(unquotePath(rest.slice(open + 1)))
  }
  // `a/P b/P`: with the same path on both sides the halves are equal, which survives spaces in P.
  const half = (rest.length - 1) / 2
  if (Number.isInteger(half) && rest.slice(2, half) === rest.slice(half + 3)) return rest.slice(half + 3)
  const b = rest.lastIndexOf(' b/')
  return b === -1 ? undefined : rest.slice(b + 3)
}

/** The path in a `+++ ` header: `b/` stripped, `/dev/null` → undefined, a `diff -u` timestamp dropped. */
function pathFromFileHeader(value: string): string | undefined {
  let v = value
  if (!v.startsWith('"')) {
    const tab = v.indexOf('\t')
    if (tab !== -1) v = v.slice(0, tab)
  }
  v = unquotePath(v)
  if (v === '/dev/null') return undefined
  return stripSidePrefix(v)
}

function stripSidePrefix(p: string): string {
  return p.startsWith('b/') ? p.slice(2) : p
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 }

/** Git quotes paths with unusual bytes as C strings (`"caf\303\251.txt"`); this undoes that. */
export function unquotePath(raw: string): string {
  if (!(raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"'))) return raw
  const bytes: number[] = []
  const body = raw.slice(1, -1)
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? ''
    if (ch !== '\\') {
      const code = body.charCodeAt(i)
      if (code < 0x80) bytes.push(code)
      else bytes.push(...new TextEncoder().encode(ch))
      continue
    }
    const next = body[i + 1] ?? ''
    if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1, i + 4))?.[0] ?? '0'
      bytes.push(parseInt(oct, 8) & 0xff)
      i += oct.length
    } else {
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0))
      i += 1
    }
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes))
}
