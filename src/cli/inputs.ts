/**
 * Where `patrol scan` reads from: files and folders (skipping `.git`, `node_modules` and binary
 * files), standard input, or the output of `git log -p` or `git diff --cached` as it streams. Every source is read in
 * line-aligned pieces, so memory stays bounded whatever the size of the input.
 *
 * @example
 * for await (const file of walk(['src'], onError)) await scanFile(file, sink)
 */
import { spawn } from 'node:child_process'
import { createReadStream, type Dirent, readSync } from 'node:fs'
import { lstat, open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { DiffScanner, type LocatedFinding, type ScanOptions, scanText } from '../scan/index.js'
import { countLines, lineChunks } from './line-chunks.js'

/** Folders never descended into: repository internals and installed dependencies. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules'])
/** Git's heuristic: a NUL in the first 8000 bytes means binary. */
const SNIFF_BYTES = 8000

export interface Sink {
  options: ScanOptions
  /** Receives findings as they are made. */
  found(findings: LocatedFinding[]): void
  bytes(n: number): void
  file(): void
}

/** An input error: reported with its message, makes the exit code 2 unless something was found. */
export class InputError extends Error {}

/** Every file under the given paths, in a stable order; missing paths are input errors. */
export async function* walk(paths: string[], onError: (message: string) => void): AsyncGenerator<string> {
  for (const path of paths) {
    const info = await lstat(path).catch(() => undefined)
    if (!info) throw new InputError(`no such file or folder: ${path}`)
    if (info.isDirectory()) yield* walkFolder(path, onError)
    else if (info.isFile()) yield path
  }
}

async function* walkFolder(folder: string, onError: (message: string) => void): AsyncGenerator<string> {
  let entries: Dirent[]
  try {
    entries = await readdir(folder, { withFileTypes: true })
  } catch (e) {
    onError(`cannot read folder ${folder}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`)
    return
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const entry of entries) {
    const path = join(folder, entry.name)
    // Symbolic links are not followed: they can loop, or lead out of the tree being scanned.
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) yield* walkFolder(path, onError)
    } else if (entry.isFile()) {
      yield path
    }
  }
}

type Kind = 'text' | 'utf16le' | 'binary'

async function sniff(path: string): Promise<Kind> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0)
    const bytes = head.subarray(0, bytesRead)
    // UTF-16LE with a byte-order mark (Windows editors, PowerShell output) is text, not binary.
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf16le'
    return bytes.includes(0) ? 'binary' : 'text'
  } finally {
    await handle.close()
  }
}

/** Scans one file as text (or, with `diff`, as a unified diff); binary files are skipped. */
export async function scanFile(path: string, diff: boolean, sink: Sink): Promise<void> {
  const kind = await sniff(path)
  if (kind === 'binary') return
  sink.file()
  const stream = createReadStream(path, kind === 'utf16le' ? { encoding: 'utf16le' } : {})
  const display = path.split('\\').join('/')
  await scanStream(stream, display, diff, sink)
}

/** Scans a stream of text or diff, reporting findings under `path` (diffs carry their own paths). */
export async function scanStream(
  source: AsyncIterable<Uint8Array | string>,
  path: string,
  diff: boolean,
  sink: Sink,
): Promise<void> {
  // A diff is scanned as bytes (src/scan/bytes.ts): no decoding of the hundreds of megabytes in
  // which a token is rare. Text keeps being decoded: scanText reads characters.
  const diffScanner = diff ? new DiffScanner({ ...sink.options, bytes: true }) : undefined
  let lineOffset = 0
  for await (const piece of lineChunks(source, { onBytes: (n) => sink.bytes(n), bytes: diff })) {
    if (diffScanner) {
      sink.found(diffScanner.scan(piece.text))
      continue
    }
    const findings = scanText(piece.text, sink.options).map((f) => ({ ...f, path, line: f.line + lineOffset }))
    sink.found(findings)
    // After a cut line, the next piece begins on the same line.
    lineOffset += countLines(piece.text)
  }
}

/** Options that make git print plain unified diffs whatever the user's configuration. */
const PLAIN_DIFF = ['--no-color', '--no-ext-diff', '--no-textconv']

/** Runs `git log -p` over `range` (default `--all`) and scans its output as it streams. */
export function scanGit(range: string[], sink: Sink): Promise<void> {
  return scanGitOutput(['log', '-p', ...PLAIN_DIFF, ...(range.length > 0 ? range : ['--all'])], sink)
}

/**
 * What `git add` staged, as `git diff --cached` shows it (added lines only, no context): the input
 * of a pre-commit hook. Before the first commit it is every staged file.
 */
export function scanStaged(sink: Sink): Promise<void> {
  return scanGitOutput(['diff', '--cached', '-U0', ...PLAIN_DIFF], sink)
}

/** Runs git with `args` in the current folder and scans its standard output as a diff while it streams. */
async function scanGitOutput(args: string[], sink: Sink): Promise<void> {
  const git = spawn('git', ['-c', 'core.quotePath=false', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr: Buffer[] = []
  git.stderr.on('data', (d: Buffer) => stderr.push(d))
  const exited = new Promise<number>((resolve, reject) => {
    git.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new InputError(e.code === 'ENOENT' ? 'git is not installed or not on PATH' : `cannot run git: ${e.message}`),
      ),
    )
    git.on('close', (code) => resolve(code ?? 1))
  })
  sink.file()
  const scanned = scanStream(git.stdout, 'git', true, sink)
  const [code] = await Promise.all([exited, scanned])
  if (code !== 0) {
    const message = Buffer.concat(stderr).toString('utf8').trim().split('\n')[0] ?? ''
    throw new InputError(`git ${args[0]} failed (exit ${code})${message ? `: ${message}` : ''}`)
  }
}

const READ_SIZE = 1 << 20
/** How long synchronous reads may keep the event loop (the progress line's timer) waiting. */
const YIELD_MS = 100

/**
 * Standard input, read straight into one reused buffer with synchronous reads of a megabyte on
 * descriptor 0: no thread-pool round trip and no buffer per read, which on hundreds of megabytes
 * cost more than the scan. The event loop gets a turn every YIELD_MS. Falls back to the stream when
 * the descriptor cannot be read that way (a non-blocking pipe).
 */
export async function* standardInput(): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(READ_SIZE)
  let turn = Date.now()
  for (;;) {
    let n: number
    try {
      n = readSync(0, buffer, 0, READ_SIZE, null)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EOF') return // Windows, at the end of a pipe
      if (code !== 'EAGAIN') throw e
      yield* process.stdin as Readable
      return
    }
    if (n === 0) return
    // The consumer copies the bytes before asking for more (lineChunks does).
    yield buffer.subarray(0, n)
    if (Date.now() - turn > YIELD_MS) {
      await new Promise((resolve) => setImmediate(resolve))
      turn = Date.now()
    }
  }
}
