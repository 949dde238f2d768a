/**
 * The history backfill of the README, end to end: a real git repository whose history once held a token (added, then
 * removed), `patrol scan --git --all --report URL` in a child process against patrol served over loopback HTTP, and
 * GitHub's `/credentials/revoke` stand-in. The token is found in history, reported once, revoked once; running the
 * backfill again changes nothing. The reporter token comes from PATROL_REPORTER_TOKEN; no token reaches stderr.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { incidents, occurrences } from '../../src/db/schema.js'
import { type GithubCredentialsApi, startGithubCredentialsApi } from '../support/github-credentials-api.js'
import { type Pipeline, startPipeline } from '../support/pipeline.js'
import { generateGithubToken } from '../support/tokens.js'
import { gitIn, runPatrol } from './git.js'

const REPORTER = 'reporter-token-0123456789abcdef'

const patrol = (args: string[], cwd: string, env: Record<string, string>) => runPatrol(args, { cwd, env })

let repo: string
let p: Pipeline
let github: GithubCredentialsApi
let server: ReturnType<typeof serve>
let url: string
const token = generateGithubToken('ghp')

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'patrol-backfill-'))
  const git = gitIn(repo)
  git('init', '-q', '-b', 'main')
  git('remote', 'add', 'origin', 'https://github.com/acme/app.git')
  writeFileSync(join(repo, 'README.md'), '# app\n')
  git('add', '.')
  git('commit', '-qm', 'init')
  writeFileSync(join(repo, 'deploy.sh'), `#!/bin/sh\nexport GH_TOKEN=${token}\n`)
  git('add', '.')
  git('commit', '-qm', 'deploy script')
  writeFileSync(join(repo, 'deploy.sh'), '#!/bin/sh\nexport GH_TOKEN="$DEPLOY_TOKEN"\n')
  git('commit', '-qam', 'read the token from the environment')

  github = await startGithubCredentialsApi()
  p = await startPipeline({ GITHUB_API_URL: github.apiUrl, PATROL_REPORTER_TOKENS: `ci:${REPORTER}` })
  await new Promise<void>((resolve) => {
    server = serve({ fetch: p.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve())
  })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await github.close()
  await p.close()
  rmSync(repo, { recursive: true, force: true })
})

describe('history backfill', () => {
  it('finds a token added then removed, reports it once and revokes it once', async () => {
    const run = await patrol(['scan', '--git', '--all', '--report', url], repo, { PATROL_REPORTER_TOKEN: REPORTER })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/patrol: reporting \d+\/1 findings/)
    expect(run.stderr).toContain(`patrol: sent 1 findings to ${url}: 1 recorded, 0 duplicates, 0 refused`)
    expect(run.stderr).not.toContain(token)

    await p.settle()
    const [occurrence] = await p.db.select().from(occurrences)
    const commit = gitIn(repo)('rev-parse', 'HEAD~1')
    expect(occurrence).toMatchObject({
      source: 'cli',
      provider: 'github',
      repository: 'acme/app',
      commitSha: commit,
      path: 'deploy.sh',
      line: 2,
    })
    expect(github.calls.map((c) => c.credentials)).toEqual([[token]])
    const [incident] = await p.db.select().from(incidents)
    expect(incident).toMatchObject({ status: 'revocation_requested', sealedToken: null })
  })

  it('changes nothing when run again', async () => {
    const before = await p.db.select().from(incidents)
    const run = await patrol(['scan', '--git', '--all', '--report', url], repo, { PATROL_REPORTER_TOKEN: REPORTER })
    expect(run.stderr).toContain('1 findings to')
    expect(run.stderr).toContain('0 recorded, 1 duplicates, 0 refused')
    await p.settle()
    expect(await p.db.select().from(incidents)).toEqual(before)
    expect(await p.db.select({ n: count() }).from(occurrences)).toEqual([{ n: 1 }])
    expect(github.calls).toHaveLength(1)
  })

  it('refuses to report without a reporter token, before scanning', async () => {
    const run = await patrol(['scan', '--git', '--report', url], repo, { PATROL_REPORTER_TOKEN: '' })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--report needs a reporter token in PATROL_REPORTER_TOKEN')
  })

  it('says what the service answered when the reporter token is wrong, without a token in the message', async () => {
    const run = await patrol(['scan', '--git', '--report', url], repo, {
      PATROL_REPORTER_TOKEN: 'wrong-token-0123456789',
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--report: http:\/\/127\.0\.0\.1:\d+\/api\/findings answered 401: authorization: /)
    expect(run.stderr).not.toContain(token)
  })
})
