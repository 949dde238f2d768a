/**
 * patrol's version, read from package.json at run time: two folders up from this file both in `src/cli`
 * and in the compiled `dist/cli`, so the answer is the same either way.
 *
 * @example
 * packageVersion() // '0.1.0'
 */
import { readFileSync } from 'node:fs'

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}
