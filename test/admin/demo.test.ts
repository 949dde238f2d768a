/**
 * `npm run demo` as a newcomer runs it: scripts/demo.ts in a child process exits 0 within its own deadline and prints
 * the push, the incidents, the revocation calls the stand-ins received, the emails and the admin page with its
 * token, shows tokens only as previews, and removes its data folder.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

describe('npm run demo', () => {
  it('runs patrol end to end against loopback stand-ins, prints what happened, and leaves nothing behind', async () => {
    const { code, stdout, stderr } = await runDemo()
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/github \(signed with the webhook secret\) → 202/)
    expect(stdout).toMatch(/#\d+ github-classic-pat ghp_…\w{4}: revocation_requested/)
    expect(stdout).toMatch(
      /#\d+ azure-devops-pat \S+…\S+: revoked \(in acme\/payments, owner Pat Owner <pat\.owner@contoso\.example>/,
    )
    expect(stdout).toMatch(/GitHub {8}POST \/credentials\/revoke \{"credentials":\["ghp_…\w{4}"\]\} → 202/)
    expect(stdout).toMatch(
      /Azure DevOps {2}POST \/_apis\/tokenadmin\/revocations \[\{"authorizationId":"[0-9a-f-]{36}"\}\] → 204/,
    )
    expect(stdout).toContain('Emails (4, through the SMTP stand-in)')
    expect(stdout).toMatch(
      /Subject: \[patrol\] Azure DevOps personal access token leaked in acme\/payments: revocation requested/,
    )
    expect(stdout).toContain('What you must do now')
    expect(stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/admin\n {3}admin token: [\w-]{32}\n/)
    // Previews only: no whole GitHub token (prefix + 36) and no whole Azure DevOps PAT (84 characters).
    expect(stdout).not.toMatch(/ghp_[A-Za-z0-9]{36}/)
    expect(stdout).not.toMatch(/[A-Za-z0-9]{84}/)
    const dataDir = /\(data in (\S+)\)/.exec(stdout)?.[1]
    expect(dataDir).toBeDefined()
    expect(existsSync(dataDir!)).toBe(false)
    expect(stdout).toContain('stopped patrol and the stand-ins, removed the data folder.')
  }, 90_000)
})
