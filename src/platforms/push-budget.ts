/**
 * The byte budget of one push scan, and the bookkeeping of what was left out and why.
 * Sources call `take` before yielding content they read; once the budget is spent the scan stops and the
 * report says so, so that a partly scanned push is never mistaken for a clean one.
 *
 * @example
 * const budget = new PushBudget(limits.maxBytes, report)
 * if (!budget.take(blob.length, 'src/app.ts')) return   // report.partial now says why
 * budget.skip('binary', 'logo.png')                      // summarised into report.partial by flush()
 * budget.flush()
 */

import type { SkippedKind } from './content-kind.js'
import { RemoteError } from './remote-error.js'
import { readBytes } from './response-body.js'
import type { ScanReport } from './types.js'

export class PushBudget {
  readonly maxBytes: number
  readonly report: ScanReport
  private spent = false
  private readonly skipped = new Map<SkippedKind, string[]>()

  constructor(maxBytes: number, report: ScanReport) {
    this.maxBytes = maxBytes
    this.report = report
  }

  /** Bytes that may still be read. */
  get remaining(): number {
    return Math.max(0, this.maxBytes - this.report.bytes)
  }

  get exhausted(): boolean {
    return this.spent
  }

  /** Counts `bytes` read for `what`; false, with the reason recorded, when they pass the limit. */
  take(bytes: number, what: string): boolean {
    if (this.spent) return false
    if (this.report.bytes + bytes > this.maxBytes) {
      this.stop(overLimit(what, this.maxBytes))
      return false
    }
    this.report.bytes += bytes
    return true
  }

  /** A response body of `what`, read and counted; `undefined` (and the scan stopped) when it passes the limit. */
  async read(res: Response, what: string): Promise<Uint8Array | undefined> {
    const { bytes, complete } = await readBytes(res, this.remaining, what)
    if (!complete) {
      this.stop(overLimit(what, this.maxBytes))
      return undefined
    }
    return this.take(bytes.length, what) ? bytes : undefined
  }

  /** Ends the scan early for `reason`. */
  stop(reason: string): void {
    if (this.spent) return
    this.spent = true
    this.note(reason)
  }

  /** Records a gap that does not end the scan (once per distinct reason). */
  note(reason: string): void {
    if (!this.report.partial.includes(reason)) this.report.partial.push(reason)
  }

  /**
   * Reads one file with `read`; when the platform refuses that file for good (gone, or not readable), the gap is
   * noted with the path and the reason and the scan goes on. Transient failures, and patrol's own credential being
   * refused, are rethrown: the job retries, or fails with the fix.
   */
  async readOrNote<T>(path: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await read()
    } catch (error) {
      if (!(error instanceof RemoteError) || error.retryable || error.failure === 'auth') throw error
      this.note(`could not read ${path}: ${error.message}`)
      return undefined
    }
  }

  /**
   * Files skipped by content so far: a commit that skipped some is not recorded as read (its summary would be lost).
   */
  get skippedCount(): number {
    let n = 0
    for (const paths of this.skipped.values()) n += paths.length
    return n
  }

  skip(kind: SkippedKind, path: string): void {
    const paths = this.skipped.get(kind) ?? []
    if (!paths.includes(path)) paths.push(path)
    this.skipped.set(kind, paths)
  }

  /** Writes one summary line per kind of skipped file into the report. */
  flush(): void {
    for (const [kind, paths] of this.skipped) {
      const shown = paths.slice(0, 5).join(', ')
      const more = paths.length > 5 ? ` and ${paths.length - 5} more` : ''
      this.note(`skipped ${paths.length} ${kind} file${paths.length === 1 ? '' : 's'}: ${shown}${more}`)
    }
    this.skipped.clear()
  }
}

function overLimit(what: string, maxBytes: number): string {
  return `stopped at ${what}: the push exceeds the ${maxBytes}-byte scan limit; the rest was not scanned`
}
