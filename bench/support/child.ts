/**
 * Starts bench/support/patrol-child.ts as a child process and waits for its `bench.ready` line; samples its
 * resident memory from /proc/<pid>/status (VmRSS now, VmHWM the peak) so the load generator's own memory is not
 * counted.
 *
 * @example
 * const patrol = await startPatrolChild({ PATROL_DATA_DIR: dir, … })
 * patrol.rss()   // { rssMb, peakMb }
 * await patrol.stop()
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface PatrolChild {
  url: string
  child: ChildProcess
  rss(): { rssMb: number; peakMb: number }
  stop(): Promise<void>
}

export function startPatrolChild(env: Record<string, string>): Promise<PatrolChild> {
  // BENCH_NODE_ARGS go to the child's node only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile patrol).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', join(import.meta.dirname, 'patrol-child.ts')],
    {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    let buffer = ''
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString()
      const ready = buffer.split('\n').find((l) => l.includes('"bench.ready"'))
      if (!ready) return
      buffer = ''
      const { url } = JSON.parse(ready) as { url: string }
      resolve({
        url,
        child,
        rss() {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
          const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
          return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 }
        },
        stop: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
    })
    void exited.then(() => reject(new Error('patrol child exited before it was ready')))
  })
}
