import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, parseSettings } from '../../src/config.js'

const key = Buffer.alloc(32, 7).toString('base64')
const secrets = {
  PATROL_ADMIN_TOKENS: 'alice:aaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbb',
  GITHUB_WEBHOOK_SECRET: 'gh-secret',
  AZURE_DEVOPS_WEBHOOK_PASSWORD: 'az-password',
  PATROL_SEALING_KEY: key,
  PATROL_FINGERPRINT_KEY: key,
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseSettings', () => {
  it('has working defaults with nothing set', () => {
    const s = parseSettings({})
    expect(s.port).toBe(8787)
    expect(s.dataDir).toBe('./data')
    expect(s.databasePath).toBe('./data/patrol.db')
    expect(s.github.apiUrl).toBe('https://api.github.com')
    expect(s.revoke).toBe('auto')
    expect(s.maxPushBytes).toBe(100 * 1024 * 1024)
    expect(s.publicUrl).toBe('http://localhost:8787')
    expect(s.mail.smtpName).toBe('localhost')
    expect(s.mail.notifyDomains).toEqual([])
    expect(s.allowedHosts).toEqual([])
    expect(s.unverifiedBodyBytes).toBe(64 * 1024 * 1024)
    expect(parseSettings({ PATROL_PUBLIC_URL: 'https://patrol.acme.example/' }).mail.smtpName).toBe(
      'patrol.acme.example',
    )
  })

  it('puts the database in the data folder unless DATABASE_PATH says otherwise', () => {
    expect(parseSettings({ PATROL_DATA_DIR: '/var/lib/patrol/' }).databasePath).toBe('/var/lib/patrol/patrol.db')
    expect(parseSettings({ PATROL_DATA_DIR: '/x', DATABASE_PATH: '/y/p.db' }).databasePath).toBe('/y/p.db')
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT: expects a port number'],
    [{ PORT: '70000' }, 'PORT: expects a port number'],
    [{ GITHUB_API_URL: 'api.github.com' }, 'GITHUB_API_URL: expects the GitHub REST API base'],
    [{ PATROL_REVOKE: 'sometimes' }, 'PATROL_REVOKE: expects `auto` or `off`'],
    [{ AZURE_DEVOPS_REVOKE_POLICY: 'all' }, 'AZURE_DEVOPS_REVOKE_POLICY: expects `precise`, `broad` or `none`'],
    [{ SMTP_URL: 'mail.example.com' }, 'SMTP_URL: expects smtp://'],
    [
      { PATROL_SECURITY_EMAILS: 'sec@example.com,not-an-address' },
      'PATROL_SECURITY_EMAILS: expects comma-separated email addresses',
    ],
    [{ PATROL_MAX_PUSH_BYTES: '-5' }, 'PATROL_MAX_PUSH_BYTES: expects a byte count'],
    [{ AZURE_DEVOPS_WEBHOOK_HEADER: 'no-colon' }, 'AZURE_DEVOPS_WEBHOOK_HEADER: expects `Header-Name:value`'],
    [{ GITHUB_APP_ID: '12' }, 'GITHUB_APP_PRIVATE_KEY: expects the PEM private key'],
    [{ PATROL_NOTIFY_DOMAINS: 'acme.example,@evil' }, 'PATROL_NOTIFY_DOMAINS: expects comma-separated mail domains'],
    [{ PATROL_ALLOWED_HOSTS: 'https://x.example' }, 'PATROL_ALLOWED_HOSTS: expects comma-separated host names'],
    [{ PATROL_UNVERIFIED_BODY_BYTES: 'lots' }, 'PATROL_UNVERIFIED_BODY_BYTES: expects the bytes'],
    [{ SMTP_NAME: 'two words' }, 'SMTP_NAME: expects a host name'],
  ])('names the variable and what it expects: %o', (env, message) => {
    const problems = problemsOf(() => parseSettings(env))
    expect(problems.join('\n')).toContain(message)
  })

  it('reports every bad variable at once', () => {
    const problems = problemsOf(() => parseSettings({ PORT: 'x', LOG_LEVEL: 'loud' }))
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT'])
  })

  it('configures a chat or webhook channel only when its URL is set, with every event unless told', () => {
    expect(parseSettings({}).channels).toEqual([])
    const s = parseSettings({
      PATROL_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
      PATROL_SLACK_EVENTS: 'response.failed, needs_attention',
      PATROL_WEBHOOK_URL: 'https://siem.example/in',
      PATROL_WEBHOOK_SECRET: 'sixteen-chars-at-least',
    })
    expect(s.channels).toEqual([
      { id: 'slack', url: 'https://hooks.slack.com/services/T/B/x', events: ['response.failed', 'needs_attention'] },
      {
        id: 'webhook',
        url: 'https://siem.example/in',
        events: ['incident.new', 'revocation.confirmed', 'response.failed', 'needs_attention'],
        secret: 'sixteen-chars-at-least',
      },
    ])
  })

  it('names the channel variable that is wrong: an unknown event, a webhook without its secret', () => {
    expect(problemsOf(() => parseSettings({ PATROL_TEAMS_EVENTS: 'incident.new,everything' }))).toEqual([
      'PATROL_TEAMS_EVENTS: expects comma-separated events among incident.new, revocation.confirmed, response.failed, needs_attention',
    ])
    expect(problemsOf(() => parseSettings({ PATROL_WEBHOOK_URL: 'https://siem.example/in' }))[0]).toMatch(
      /^PATROL_WEBHOOK_SECRET: expects the HMAC-SHA256 key/,
    )
    expect(problemsOf(() => parseSettings({ PATROL_SLACK_WEBHOOK_URL: 'hooks.slack.com' }))[0]).toMatch(
      /^PATROL_SLACK_WEBHOOK_URL: expects a Slack incoming-webhook URL/,
    )
  })

  it('treats empty strings as unset', () => {
    expect(parseSettings({ PORT: '', SMTP_URL: '' }).port).toBe(8787)
  })

  it('splits the Azure secret header at the first colon', () => {
    expect(parseSettings({ AZURE_DEVOPS_WEBHOOK_HEADER: 'X-Patrol-Secret:a:b' }).azureDevOps.webhookHeader).toEqual({
      name: 'X-Patrol-Secret',
      value: 'a:b',
    })
  })
})

describe('parseConfig secrets', () => {
  it('decodes keys and names admin tokens', () => {
    const c = parseConfig(secrets)
    expect(c.secrets.sealingKey).toHaveLength(32)
    expect(c.secrets.adminTokens).toEqual([
      { name: 'alice', token: 'aaaaaaaaaaaaaaaaaaaa' },
      { name: 'admin-2', token: 'bbbbbbbbbbbbbbbbbbbb' },
    ])
  })

  it('lets the environment override the fallback (secrets.json)', () => {
    const c = parseConfig({ ...secrets, GITHUB_WEBHOOK_SECRET: 'from-env' }, { GITHUB_WEBHOOK_SECRET: 'from-file' })
    expect(c.secrets.githubWebhookSecret).toBe('from-env')
  })

  it('names a missing or malformed secret without echoing its value', () => {
    const { PATROL_SEALING_KEY: _, ...rest } = secrets
    const problems = problemsOf(() => parseConfig({ ...rest, PATROL_FINGERPRINT_KEY: 'c2hvcnQ=' }))
    expect(problems.join('\n')).toContain('PATROL_SEALING_KEY: missing; expects 32 bytes as base64')
    expect(problems.join('\n')).toContain('PATROL_FINGERPRINT_KEY: expects 32 bytes as base64')
    expect(problems.join('\n')).not.toContain('c2hvcnQ=')
  })

  it('refuses short admin tokens', () => {
    expect(problemsOf(() => parseConfig({ ...secrets, PATROL_ADMIN_TOKENS: 'short' })).join()).toContain(
      'PATROL_ADMIN_TOKENS: expects each token to be at least 16 characters',
    )
  })
})
