/** Starts `src/adapter/node/index.ts` as a real child process and waits for its `service.started` log line. */
import { type ChildProcess, spawn } from 'node:child_process'

export interface ChildService {
  url: string
  child: ChildProcess
  /** Every JSON log line so far. */
  lines: Record<string, unknown>[]
  exited: Promise<number | null>
}

export function startChildService(env: Record<string, string>, o: { timeoutMs?: number } = {}): Promise<ChildService> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/adapter/node/index.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Record<string, unknown>[] = []
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('service did not start')), o.timeoutMs ?? 20_000)
    let buffer = ''
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString()
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>
          lines.push(parsed)
          if (parsed.event === 'service.started') {
            clearTimeout(timer)
            resolve({ url: parsed.url as string, child, lines, exited })
          }
        } catch {}
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`service exited with ${code}: ${stderr}`))
    })
  })
}
