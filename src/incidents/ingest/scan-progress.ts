/**
 * Resumable scans: what a scan of one push has read whole, commit by commit, kept in `scan_commits` so that a retry
 * (after a rate limit, a timeout, a crash) continues where the failed attempt stopped instead of reading the push
 * again. A commit is recorded only once every file of it was handed to the scanner and its findings recorded
 * (incidents are recorded as tokens are found; occurrences are unique per place, so a re-read adds nothing). A
 * skipped commit's figures (bytes, files, findings, partial-scan reasons) are added back, so the push's totals are
 * the same as for a scan in one go. The rows are cleared when the scan finishes.
 *
 * @example
 * const progress = await ScanProgress.load(db, push.id, report, Date.now)
 * for await (const file of source.added(event, { maxBytes, progress }, report)) progress.findings += scanned(file)
 * await atomically(db, [finished, progress.clearStatement()])   // when it returns one
 */
import { eq } from 'drizzle-orm'
import { scanCommits } from '../../db/schema.js'
import type { DB } from '../../db/types.js'
import type { CommitProgress, ScanReport } from '../../platforms/types.js'

interface Mark {
  bytes: number
  files: number
  findings: number
  partial: number
}

export class ScanProgress implements CommitProgress {
  /** Findings recorded by this scan, skipped commits' included. */
  findings = 0
  /** Commits skipped because an earlier attempt read them. */
  resumed = 0
  private mark: Mark | undefined
  private readonly stored: boolean
  private written = false

  private constructor(
    private readonly db: DB,
    private readonly pushId: number,
    private readonly report: ScanReport,
    private readonly now: () => number,
    private readonly read: Map<string, typeof scanCommits.$inferSelect>,
  ) {
    this.stored = read.size > 0
  }

  static async load(db: DB, pushId: number, report: ScanReport, now: () => number): Promise<ScanProgress> {
    const rows = await db.select().from(scanCommits).where(eq(scanCommits.pushId, pushId))
    return new ScanProgress(db, pushId, report, now, new Map(rows.map((r) => [r.commitSha, r])))
  }

  skip(commit: string): boolean {
    const row = this.read.get(commit)
    if (!row) return false
    // Once: a commit reached twice in one scan is counted once.
    this.read.delete(commit)
    this.resumed++
    this.report.bytes += row.bytes
    this.report.files += row.files
    this.findings += row.findings
    for (const reason of row.partial ? (JSON.parse(row.partial) as string[]) : [])
      if (!this.report.partial.includes(reason)) this.report.partial.push(reason)
    return true
  }

  begin(_commit: string): void {
    const { bytes, files, partial } = this.report
    this.mark = { bytes, files, findings: this.findings, partial: partial.length }
  }

  async done(commit: string): Promise<void> {
    const m = this.mark ?? { bytes: 0, files: 0, findings: 0, partial: 0 }
    const partial = this.report.partial.slice(m.partial)
    await this.db
      .insert(scanCommits)
      .values({
        pushId: this.pushId,
        commitSha: commit,
        bytes: this.report.bytes - m.bytes,
        files: this.report.files - m.files,
        findings: this.findings - m.findings,
        partial: partial.length ? JSON.stringify(partial) : null,
        at: this.now(),
      })
      .onConflictDoNothing()
    this.mark = undefined
    this.written = true
  }

  /**
   * The scan finished: a later rescan reads the push afresh. The statement that clears the rows, to run with the
   * scan's last writes; none when there is nothing to clear (D1 counts statements per invocation).
   */
  clearStatement() {
    return this.stored || this.written
      ? this.db.delete(scanCommits).where(eq(scanCommits.pushId, this.pushId))
      : undefined
  }
}
