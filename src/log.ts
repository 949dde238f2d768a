/**
 * One structured JSON line per event, to standard output (or any sink). Events are named `area.what`
 * (`http.request`, `job.failed`); fields are flat. Nothing here knows secrets: callers pass previews and fingerprints
 * only.
 *
 * @example
 * const log = createLogger({ level: 'info' })
 * log.info('http.request', { requestId, method: 'POST', path: '/webhooks/github', status: 202, ms: 3 })
 * // {"time":"2026-11-27T20:00:00.000Z","level":"info","event":"http.request","requestId":"…",…}
 */
export type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export type Fields = Record<string, unknown>

export interface Logger {
  debug(event: string, fields?: Fields): void
  info(event: string, fields?: Fields): void
  warn(event: string, fields?: Fields): void
  error(event: string, fields?: Fields): void
  /** A logger that adds `fields` to every line (e.g. the request id). */
  child(fields: Fields): Logger
}

export function createLogger(o: { level?: Level; write?: (line: string) => void; base?: Fields } = {}): Logger {
  const min = ORDER[o.level ?? 'info']
  const write = o.write ?? ((line: string) => console.log(line))
  const base = o.base ?? {}
  const at =
    (level: Level) =>
    (event: string, fields: Fields = {}) => {
      if (ORDER[level] < min) return
      write(JSON.stringify({ time: new Date().toISOString(), level, event, ...base, ...fields }))
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createLogger({ level: o.level, write, base: { ...base, ...fields } }),
  }
}

/** A logger that keeps lines in memory (tests). */
export function memoryLogger(): Logger & { lines: Fields[] } {
  const lines: Fields[] = []
  const log = createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Fields) })
  return Object.assign(log, { lines })
}
