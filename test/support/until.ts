/**
 * Waiting for an asynchronous outcome (a queue draining, a child process catching up) without timing it: polls a
 * probe until it returns a truthy value, and gives up after a generous deadline with a message that names what
 * never happened. The deadline is a safety net, not an assertion about speed.
 *
 * @example
 * const rows = await eventually('all pushes scanned', () => scannedCount() === 1000 || undefined)
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  deadlineMs = 45_000,
): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
