/**
 * Runs real git in a fixture repository with a fixed author, for the CLI and CI script tests.
 *
 * @example
 * const git = gitIn(repo)
 * git('init', '-q')
 */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
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
