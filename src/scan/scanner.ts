/**
 * Findings on lines: runs the engine over text, a diff or a push's added lines and places each
 * hit on its line and column. The same token on one line is one finding, however many times and
 * in however many encodings it appears there: the plainest form wins, then the leftmost.
 *
 * @example
 * scanText('a\nTOKEN=ghp_…')            // [{ kind: 'github-classic-pat', line: 2, column: 7, encoding: 'plain', … }]
 * scanAddedLines(parsePatch(patch, 'x'))  // findings with path, line and commit
 */
import { kindOf } from '../kinds/index.js'
import { isPublishedExample } from '../kinds/published-examples.js'
import { utf16Length } from './bytes.js'
import { commitAt, DiffReader } from './diff.js'
import { findHits } from './engine.js'
import type { Hit } from './hit.js'
import type { AddedLine, Finding, LocatedFinding, ScanOptions } from './types.js'

function toFinding(hit: Hit, line: number, column: number): Finding {
  const finding: Finding = {
    kind: hit.kind,
    issuer: kindOf(hit.kind).issuer,
    confidence: hit.confidence,
    secret: hit.secret,
    line,
    column,
    encoding: hit.encoding,
  }
  // Findings are few: hashing each one costs nothing next to the scan that found it.
  if (isPublishedExample(hit.secret)) finding.tags = ['published-example']
  return finding
}

/** One hit per secret: the least-decoded, then the leftmost. Hits must all be on one line. */
function onePerSecret(hits: Hit[]): Hit[] {
  const best = new Map<string, Hit>()
  for (const h of hits) {
    const seen = best.get(h.secret)
    if (!seen || h.depth < seen.depth || (h.depth === seen.depth && h.offset < seen.offset)) best.set(h.secret, h)
  }
  return [...best.values()].sort((a, b) => a.offset - b.offset)
}

/** Groups offset-sorted hits by the line they fall on; calls `onLine(hits, lineStart, lineNumber)`. */
function byLine(text: string, hits: Hit[], onLine: (lineHits: Hit[], lineStart: number, line: number) => void): void {
  hits.sort((a, b) => a.offset - b.offset)
  let line = 1
  let lineStart = 0
  let i = 0
  while (i < hits.length) {
    const first = hits[i]!
    // Advance to the line holding this hit.
    for (let nl = text.indexOf('\n', lineStart); nl !== -1 && nl < first.offset; nl = text.indexOf('\n', lineStart)) {
      line++
      lineStart = nl + 1
    }
    const nextLine = text.indexOf('\n', lineStart)
    const lineEnd = nextLine === -1 ? text.length : nextLine
    let j = i
    while (j < hits.length && hits[j]!.offset < lineEnd) j++
    onLine(hits.slice(i, j), lineStart, line)
    i = j
  }
}

/** Every token in `text`; line and column are 1-based in `text`. */
export function scanText(text: string, options: ScanOptions = {}): Finding[] {
  const hits = findHits(text, { includeLow: options.includeLow ?? false, diff: false })
  const findings: Finding[] = []
  byLine(text, hits, (lineHits, lineStart, line) => {
    for (const h of onePerSecret(lineHits)) findings.push(toFinding(h, line, h.offset - lineStart + 1))
  })
  return findings
}

/** Every token in the added lines of a diff or a push, each located by path, line and commit. */
export function scanAddedLines(lines: Iterable<AddedLine>, options: ScanOptions = {}): LocatedFinding[] {
  const engine = { includeLow: options.includeLow ?? false, diff: false }
  const findings: LocatedFinding[] = []
  for (const added of lines) {
    const hits = findHits(added.text, engine)
    if (hits.length === 0) continue
    for (const h of onePerSecret(hits)) {
      const f: LocatedFinding = { ...toFinding(h, added.line, h.offset + 1), path: added.path }
      if (added.commit !== undefined) f.commit = added.commit
      findings.push(f)
    }
  }
  return findings
}

/** Above this many hits in one piece, following every line is cheaper than resynchronising per hit. */
const MAX_RESYNCS = 8
/** Gaps shorter than this are walked line by line; longer ones first look for a `diff` header to resume at. */
const RESYNC_GAP = 16 * 1024
/**
 * Most characters of diff the scanner leaves unread before it follows them anyway: unread text
 * keeps its pieces alive, so this bounds the memory it holds (a few pieces of the CLI's size).
 */
const MAX_UNREAD = 1 << 20

/** Lines `text[from, to)` that the reader has not followed yet (they start and end on line boundaries). */
interface Unread {
  text: string
  from: number
  to: number
  /** Searched already, and no `diff` header after its first line. */
  headerless: boolean
}

/**
 * Scans a unified diff a piece at a time, for inputs too large to hold (the CLI's `--diff` and
 * `--git`). Feed it text that ends on line boundaries; the diff's state carries across pieces.
 *
 * The engine runs over the whole piece at once (far faster than line by line). Following the diff
 * line by line to number lines would cost as much again, so it is done only where a hit needs a
 * line number: text without hits is left unread, and a line that starts with `diff ` resets a
 * diff's state (every reading of the diff treats it as a file header), so before a hit the reader
 * resumes at the last such line. Unread text is followed anyway once it passes MAX_UNREAD.
 */
export class DiffScanner {
  private readonly reader = new DiffReader()
  private readonly includeLow: boolean
  /** Text behind the current position that the reader has not followed, oldest first. */
  private unread: Unread[] = []
  private unreadChars = 0

  private readonly bytes: boolean

  /**
   * With `bytes`, each piece of text is UTF-8 bytes, one character per byte (bytes.ts), as the CLI
   * reads its input without decoding it; findings are the same as for the decoded text.
   */
  constructor(options: ScanOptions & { bytes?: boolean } = {}) {
    this.includeLow = options.includeLow ?? false
    this.bytes = options.bytes ?? false
    this.reader.bytes = this.bytes
  }

  /** Findings in `text`, which must consist of whole lines (a final line without `\n` is allowed at the very end). */
  scan(text: string): LocatedFinding[] {
    const hits = findHits(text, { includeLow: this.includeLow, diff: true, bytes: this.bytes }).sort(
      (a, b) => a.offset - b.offset,
    )
    const findings: LocatedFinding[] = []
    const resync = hits.length <= MAX_RESYNCS
    let cursor = 0
    let h = 0
    while (h < hits.length) {
      const lineStart = text.lastIndexOf('\n', hits[h]!.offset - 1) + 1
      let lineEnd = text.indexOf('\n', lineStart)
      if (lineEnd === -1) lineEnd = text.length
      this.leave(text, cursor, lineStart)
      this.catchUp(resync)
      const line = this.reader.next(text, lineStart, lineEnd)
      const lineHits: Hit[] = []
      while (h < hits.length && hits[h]!.offset < lineEnd) lineHits.push(hits[h++]!)
      if (line > 0 && this.reader.path !== undefined) {
        const contentStart = lineStart + Math.min(this.reader.prefixWidth, lineEnd - lineStart)
        for (const hit of onePerSecret(lineHits)) {
          const width =
            this.bytes && hit.offset > contentStart
              ? utf16Length(text, contentStart, hit.offset)
              : hit.offset - contentStart
          const f: LocatedFinding = {
            ...toFinding(hit, line, Math.max(1, width + 1)),
            path: this.reader.path,
          }
          if (this.reader.commit !== undefined) f.commit = this.reader.commit
          findings.push(f)
        }
      }
      cursor = lineEnd + 1
    }
    this.leave(text, cursor, text.length)
    if (this.unreadChars > MAX_UNREAD) this.trim()
    return findings
  }

  /** Leaves the lines `text[from, to)` unread until a hit after them needs the reader's state. */
  private leave(text: string, from: number, to: number): void {
    if (to <= from) return
    this.unread.push({ text, from, to, headerless: false })
    this.unreadChars += to - from
  }

  /** Brings the reader through all unread text, from the last `diff` header in it when `resync` and it is long. */
  private catchUp(resync: boolean): void {
    if (resync && this.unreadChars > RESYNC_GAP) this.resumeAtLastHeader()
    for (const { text, from, to } of this.unread) this.follow(text, from, to)
    this.unread = []
    this.unreadChars = 0
  }

  /**
   * Keeps unread text under MAX_UNREAD: drops what a `diff` header in it makes unnecessary, then follows the oldest.
   */
  private trim(): void {
    this.resumeAtLastHeader()
    while (this.unreadChars > MAX_UNREAD) {
      const { text, from, to } = this.unread.shift()!
      this.follow(text, from, to)
      this.unreadChars -= to - from
    }
  }

  /** Restarts the reader at the last `diff` header in unread text, if any, and forgets the text before it. */
  private resumeAtLastHeader(): void {
    const unread = this.unread
    for (let i = unread.length - 1; i >= 0; i--) {
      const segment = unread[i]!
      if (segment.headerless) continue
      const { text, from, to } = segment
      // Searched in a slice (no copy) so that unread text without headers costs its length, not whole pieces.
      const found = text.slice(from, to).lastIndexOf('\ndiff ')
      const header = found !== -1 ? from + found + 1 : i > 0 && text.startsWith('diff ', from) ? from : -1
      if (header === -1) {
        // Each piece is searched once, however long the file it belongs to stays unread.
        segment.headerless = true
        continue
      }
      this.reader.restart(this.commitBefore(i, header))
      let dropped = header - from
      for (let j = 0; j < i; j++) dropped += unread[j]!.to - unread[j]!.from
      this.unread = [{ text, from: header, to, headerless: false }, ...unread.slice(i + 1)]
      this.unreadChars -= dropped
      return
    }
  }

  /** Follows the lines `text[from, to)` one by one (runs of added lines without a call per line). */
  private follow(text: string, from: number, to: number): void {
    for (let start = from; start < to; ) {
      start = this.reader.skipAdded(text, start, to)
      if (start >= to) break
      let end = text.indexOf('\n', start)
      if (end === -1 || end > to) end = to
      this.reader.next(text, start, end)
      start = end + 1
    }
  }

  /**
   * The commit in force at `at` in unread segment `segment`: the last `commit <sha>` line before it in unread text,
   * else the reader's.
   */
  private commitBefore(segment: number, at: number): string | undefined {
    for (let i = segment; i >= 0; i--) {
      const { text, from, to } = this.unread[i]!
      const sha = lastCommit(text, from, i === segment ? at : to)
      if (sha !== undefined) return sha
    }
    return this.reader.commit
  }
}

/** The sha of the last `commit <sha>` line that starts in `text[from, to)` (`from` is a line start). */
function lastCommit(text: string, from: number, to: number): string | undefined {
  const base = Math.max(0, from - 1)
  const gap = text.slice(base, to)
  for (let nl = gap.lastIndexOf('\ncommit '); nl !== -1; nl = nl === 0 ? -1 : gap.lastIndexOf('\ncommit ', nl - 1)) {
    const end = text.indexOf('\n', base + nl + 1)
    const sha = commitAt(text, base + nl + 1, end === -1 ? text.length : end)
    if (sha !== undefined) return sha
  }
  if (from === 0) {
    const end = text.indexOf('\n')
    return commitAt(text, 0, end === -1 ? text.length : end)
  }
  return undefined
}

/** Scans a whole diff held in memory; equivalent to `scanAddedLines(parseUnifiedDiff(text))`, faster. */
export function scanUnifiedDiff(text: string, options: ScanOptions = {}): LocatedFinding[] {
  return new DiffScanner(options).scan(text)
}
