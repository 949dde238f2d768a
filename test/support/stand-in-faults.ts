/**
 * Injected failures for the loopback platform stand-ins (GitHub, Azure Repos): a test queues faults, and the next
 * matching requests get them (a status with headers and body, a dropped connection, or no answer at all) before
 * normal behaviour resumes.
 *
 * @example
 * const faults = new StandInFaults()
 * faults.add({ match: /compare/, status: 429, headers: { 'retry-after': '60' } })
 * if (faults.answer(`${method} ${path}`, res)) return   // in the request handler
 */
import type { ServerResponse } from 'node:http'

export interface Fault {
  /** Tested against `METHOD /path?query`; absent matches every request. */
  match?: RegExp
  /** Default 500. */
  status?: number
  headers?: Record<string, string>
  body?: string
  /** Never answer (until close()). */
  hang?: boolean
  /** Drop the connection without an answer (ECONNRESET at the client). */
  reset?: boolean
  /** How many matching requests fail; default 1, `Infinity` for all. */
  times?: number
}

export class StandInFaults {
  private readonly queued: Fault[] = []
  private readonly hanging = new Set<ServerResponse>()

  constructor(private readonly defaultBody: string) {}

  add(fault: Fault): void {
    this.queued.push({ ...fault })
  }

  /** Plays the first fault matching `line` on `res`; false when none applies and the request is to be served. */
  answer(line: string, res: ServerResponse): boolean {
    const fault = this.queued.find((f) => (f.times ?? 1) > 0 && (!f.match || f.match.test(line)))
    if (!fault) return false
    fault.times = (fault.times ?? 1) - 1
    if (fault.reset) {
      res.socket?.destroy()
      return true
    }
    if (fault.hang) {
      this.hanging.add(res)
      return true
    }
    res.writeHead(fault.status ?? 500, { 'content-type': 'application/json; charset=utf-8', ...fault.headers })
    res.end(fault.body ?? this.defaultBody)
    return true
  }

  /** Ends the requests left hanging, so the server can close. */
  release(): void {
    for (const res of this.hanging) res.destroy()
    this.hanging.clear()
  }
}
