/**
 * Runs real git in a fixture repository with a fixed author, for the CLI and CI script tests.
 *
 * @example
 * const git = gitIn(repo)
 * git('init', '-q')
 */
import { execFileSync, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** tsx's loader, for `node --import` in child processes that run patrol's TypeScript sources. */
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export function gitIn(repo: string): (...args: string[]) => string {
  return (...args) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    })
      .toString()
      .trim()
}

const CLI = join(import.meta.dirname, '../../src/cli.ts')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs patrol's command from its sources (src/cli.ts through tsx's loader) in a child process. */
export function runPatrol(
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}
