/**
 * CPU time used by the processes of one process group, by command name, read from /proc (Linux): where a
 * benchmark's machine time went (wrangler's Node process, workerd, the load generator). Clock ticks are 1/100 s.
 *
 * @example
 * const before = groupCpu(dev.pid)
 * // … load …
 * cpuDelta(before, groupCpu(dev.pid)) // { workerd: 12.3, node: 4.1 } seconds
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICKS_PER_S = 100

/** Seconds of user + system CPU per process (pid → [command, seconds]) in process group `pgid`. */
export function groupCpu(pgid: number): Map<number, [string, number]> {
  const out = new Map<number, [string, number]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    // pid (comm) state ppid pgrp … utime stime: fields after the command, which may itself hold spaces.
    const close = stat.lastIndexOf(')')
    const command = stat.slice(stat.indexOf('(') + 1, close)
    const fields = stat.slice(close + 2).split(' ')
    if (Number(fields[2]) !== pgid) continue
    out.set(Number(entry), [command, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S])
  }
  return out
}

/** CPU seconds used between two readings, summed by command name. */
export function cpuDelta(
  before: Map<number, [string, number]>,
  after: Map<number, [string, number]>,
): Record<string, number> {
  const sums: Record<string, number> = {}
  for (const [pid, [command, seconds]] of after)
    sums[command] = (sums[command] ?? 0) + seconds - (before.get(pid)?.[1] ?? 0)
  return sums
}
