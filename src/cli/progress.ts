/**
 * The progress line on standard error: shown only when standard error is a terminal and the scan
 * has taken more than a second, rewritten in place, and erased at the end so output stays clean.
 *
 * @example
 * const progress = startProgress(stats)   // stats.bytes etc. are read on each tick
 * …; progress.stop()
 */

export interface ProgressStats {
  bytes: number
  files: number
  findings: number
}

const DELAY_MS = 1000
const TICK_MS = 250

export function startProgress(stats: ProgressStats, stream: NodeJS.WriteStream = process.stderr): { stop(): void } {
  if (!stream.isTTY) return { stop() {} }
  const started = Date.now()
  let shown = false
  const timer = setInterval(() => {
    if (Date.now() - started < DELAY_MS) return
    shown = true
    const mb = (stats.bytes / 1e6).toFixed(1)
    stream.write(`\r\x1b[Kpatrol: scanned ${mb} MB, ${stats.files} files, ${stats.findings} findings…`)
  }, TICK_MS)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      if (shown) stream.write('\r\x1b[K')
    },
  }
}
