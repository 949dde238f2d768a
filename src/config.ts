/**
 * The environment becomes one typed, validated `Config`. A bad value stops the boot with a message that names the
 * variable and says what it expects. Pure: it reads the object it is given (process.env on Node, `env` on Workers).
 *
 * Secrets (admin tokens, webhook secrets, sealing and fingerprint keys) may come from the environment; on Node the
 * ones that don't are read from, or generated into, `<data dir>/secrets.json` (secrets-file.ts) and passed back in
 * here.
 *
 * @example
 * const config = parseConfig(process.env, secretsFromFile)
 * config.port // 8787
 */
import { z } from 'zod'
import { NOTIFY_EVENTS, type NotifyEvent, type PostedChannelId } from './notify/events.js'

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

export interface AdminToken {
  /** Shown in the audit trail as `admin:<name>`. */
  name: string
  token: string
}

export interface Secrets {
  adminTokens: AdminToken[]
  /** Tokens that may submit findings (`POST /api/findings`) and nothing else; none when unset (Workers). */
  reporterTokens: AdminToken[]
  githubWebhookSecret: string
  azureWebhookPassword: string
  /** 32 bytes, AES-256-GCM key that seals raw tokens until their response ends. */
  sealingKey: Uint8Array
  /** 32 bytes, HMAC-SHA-256 key of token fingerprints. */
  fingerprintKey: Uint8Array
}

/** The secrets as written in the environment or secrets.json (keys as base64). */
export type SecretValues = {
  -readonly [K in keyof typeof SECRET_VARIABLES]?: string
}

/** Environment variable of each secret. */
export const SECRET_VARIABLES = {
  PATROL_ADMIN_TOKENS: 'comma-separated admin API tokens, each `token` or `name:token`',
  PATROL_REPORTER_TOKENS: 'comma-separated reporter tokens (submit findings only), each `token` or `name:token`',
  GITHUB_WEBHOOK_SECRET: 'the secret of the GitHub webhook (HMAC-SHA-256 key)',
  AZURE_DEVOPS_WEBHOOK_PASSWORD: 'the basic-auth password of the Azure DevOps service hook',
  PATROL_SEALING_KEY: '32 bytes as base64',
  PATROL_FINGERPRINT_KEY: '32 bytes as base64',
} as const

const url = (what: string) =>
  z.string().refine((v) => {
    try {
      const u = new URL(v)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, `expects ${what} (an http:// or https:// URL)`)

const positiveInt = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `expects ${what} (a whole number)`)
    .transform(Number)
    .refine((n) => n > 0, `expects ${what} (greater than 0)`)

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `24h`, `90m`, `3600s`, `500ms`, `2d` → milliseconds. */
const duration = (what: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, `expects ${what}`)
    .transform((v) => {
      const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(v)!
      return Number(n) * DURATION_UNITS[unit!]!
    })
    .refine((n) => n > 0, `expects ${what} (greater than 0)`)

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)

const eventList = list.refine(
  (xs) => xs.length > 0 && xs.every((x) => (NOTIFY_EVENTS as readonly string[]).includes(x)),
  `expects comma-separated events among ${NOTIFY_EVENTS.join(', ')}`,
)

const emailList = list.refine(
  (xs) => xs.every((x) => /^[^\s@]+@[^\s@]+$/.test(x)),
  'expects comma-separated email addresses',
)

/** Every non-secret variable, its default and its rule. README's configuration table mirrors this. */
const settingsSchema = z.object({
  PATROL_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_PATH: z.string().min(1).optional(),
  PORT: z
    .string()
    .regex(/^\d+$/, 'expects a port number (0-65535)')
    .transform(Number)
    .refine((n) => n <= 65535, 'expects a port number (0-65535)')
    .default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'], { error: 'expects one of debug, info, warn, error' })
    .default('info'),
  PATROL_PUBLIC_URL: url('the URL where admins reach patrol').optional(),
  PATROL_ALLOWED_HOSTS: list
    .refine(
      (xs) => xs.every((x) => /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(x)),
      'expects comma-separated host names, each optionally with :port (e.g. patrol.internal:8787)',
    )
    .default([]),
  PATROL_UNVERIFIED_BODY_BYTES: positiveInt('the bytes all unauthenticated request bodies may hold at once').default(
    64 * 1024 * 1024,
  ),

  GITHUB_WEBHOOK_SECRETS_PREVIOUS: list.default([]),
  GITHUB_API_URL: url('the GitHub REST API base, e.g. https://api.github.com or https://HOST/api/v3').default(
    'https://api.github.com',
  ),
  GITHUB_DOTCOM_API_URL: url(
    "github.com's REST API base (patrol also revokes there when GITHUB_API_URL is a GitHub Enterprise Server)",
  ).default('https://api.github.com'),
  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_APP_ID: z.string().regex(/^\d+$/, 'expects the numeric GitHub App id').optional(),
  GITHUB_APP_PRIVATE_KEY: z
    .string()
    .refine((v) => v.includes('PRIVATE KEY-----'), 'expects the GitHub App private key in PEM form')
    .optional(),

  AZURE_DEVOPS_WEBHOOK_USER: z.string().min(1).default('patrol'),
  AZURE_DEVOPS_WEBHOOK_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+:.+$/, 'expects `Header-Name:value`')
    .optional(),
  AZURE_DEVOPS_ORG_URL: url('the organization URL, e.g. https://dev.azure.com/contoso, or a collection URL').optional(),
  AZURE_DEVOPS_TOKEN: z.string().min(1).optional(),
  AZURE_DEVOPS_ADMIN_TOKEN: z.string().min(1).optional(),
  AZURE_DEVOPS_VSSPS_URL: url('the Token Admin host, e.g. https://vssps.dev.azure.com/contoso').optional(),
  AZURE_DEVOPS_REVOKE_POLICY: z
    .enum(['precise', 'broad', 'none'], { error: 'expects `precise`, `broad` or `none`' })
    .default('precise'),
  AZURE_DEVOPS_API_VERSION: z
    .string()
    .regex(/^\d+\.\d+(-preview(\.\d+)?)?$/, 'expects an api-version such as 7.1, or 7.0 for Azure DevOps Server 2022')
    .default('7.1'),
  AZURE_DEVOPS_TOKEN_ADMIN_API_VERSION: z
    .string()
    .regex(
      /^\d+\.\d+(-preview(\.\d+)?)?$/,
      'expects an api-version such as 7.1-preview.1, or 6.0-preview.1 for Azure DevOps Server',
    )
    .optional(),
  AZURE_DEVOPS_PROBE_SCOPES: z.enum(['on', 'off'], { error: 'expects `on` or `off`' }).default('on'),
  PATROL_VERIFY: z.enum(['on', 'off'], { error: 'expects `on` or `off`' }).default('on'),

  PATROL_REVOKE: z.enum(['auto', 'off'], { error: 'expects `auto` or `off`' }).default('auto'),
  PATROL_HISTORY_RESPONSE: z.enum(['revoke', 'notify'], { error: 'expects `revoke` or `notify`' }).default('revoke'),
  PATROL_MAX_PUSH_BYTES: positiveInt('a byte count').default(100 * 1024 * 1024),
  PATROL_PUSH_CALL_BUDGET: positiveInt('a number of API calls').default(50),
  PATROL_RETAIN_DAYS: positiveInt('a number of days').default(90),
  PATROL_MASS_LEAK_THRESHOLD: positiveInt('a number of tokens').default(50),

  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\/[^/]+/.test(v), 'expects smtp://[user:pass@]host[:port] or smtps://…')
    .optional(),
  MAIL_FROM: z.string().min(3).default('patrol <patrol@localhost>'),
  PATROL_SECURITY_EMAILS: emailList.default([]),
  PATROL_NOTIFY_DOMAINS: list
    .refine(
      (xs) => xs.every((x) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(x)),
      'expects comma-separated mail domains, e.g. example.com,corp.example.com',
    )
    .default([]),
  SMTP_NAME: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'expects a host name for the SMTP greeting (EHLO), e.g. patrol.example.com')
    .optional(),

  PATROL_SLACK_WEBHOOK_URL: url('a Slack incoming-webhook URL (https://hooks.slack.com/services/…)').optional(),
  PATROL_SLACK_EVENTS: eventList.optional(),
  PATROL_TEAMS_WEBHOOK_URL: url(
    'the URL of a Teams Workflows "When a Teams webhook request is received" flow',
  ).optional(),
  PATROL_TEAMS_EVENTS: eventList.optional(),
  PATROL_WEBHOOK_URL: url('the URL that receives patrol’s signed JSON events').optional(),
  PATROL_WEBHOOK_SECRET: z
    .string()
    .min(16, 'expects the HMAC-SHA256 key of the webhook, at least 16 characters')
    .optional(),
  PATROL_WEBHOOK_EVENTS: eventList.optional(),

  PATROL_REMOTE_TIMEOUT_MS: positiveInt('milliseconds before a call to GitHub or Azure DevOps is abandoned').default(
    15_000,
  ),
  PATROL_GITHUB_BATCH_DELAY_MS: positiveInt('milliseconds to gather GitHub tokens into one revocation call').default(
    5_000,
  ),
  PATROL_GITHUB_REVOKE_CALLS_PER_HOUR: positiveInt('the number of /credentials/revoke calls allowed an hour').default(
    60,
  ),
  PATROL_JOB_CONCURRENCY: positiveInt('the number of jobs run at once').default(16),
  PATROL_JOB_POLL_MS: positiveInt('milliseconds between queue polls').default(1000),
  PATROL_SHUTDOWN_GRACE_MS: positiveInt('milliseconds to let running jobs finish on shutdown').default(10_000),
  PATROL_JOB_STALE_MS: positiveInt('milliseconds after which a running job is presumed orphaned').default(5 * 60_000),
  PATROL_GIVE_UP_AFTER: duration('how long transient failures are retried, e.g. 24h, 90m or 3600s').default(
    24 * 3_600_000,
  ),
})

export type Settings = ReturnType<typeof toSettings>
export type Config = Settings & { secrets: Secrets }

function toSettings(e: z.infer<typeof settingsSchema>) {
  const [headerName, ...headerValue] = e.AZURE_DEVOPS_WEBHOOK_HEADER?.split(':') ?? []
  return {
    dataDir: e.PATROL_DATA_DIR,
    databasePath: e.DATABASE_PATH ?? `${e.PATROL_DATA_DIR.replace(/\/+$/, '')}/patrol.db`,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    publicUrl: (e.PATROL_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    allowedHosts: e.PATROL_ALLOWED_HOSTS.map((h) => h.toLowerCase()),
    unverifiedBodyBytes: e.PATROL_UNVERIFIED_BODY_BYTES,
    github: {
      previousWebhookSecrets: e.GITHUB_WEBHOOK_SECRETS_PREVIOUS,
      apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ''),
      dotcomApiUrl: e.GITHUB_DOTCOM_API_URL.replace(/\/+$/, ''),
      token: e.GITHUB_TOKEN,
      app:
        e.GITHUB_APP_ID && e.GITHUB_APP_PRIVATE_KEY
          ? { appId: e.GITHUB_APP_ID, privateKey: e.GITHUB_APP_PRIVATE_KEY }
          : undefined,
    },
    azureDevOps: {
      webhookUser: e.AZURE_DEVOPS_WEBHOOK_USER,
      webhookHeader: headerName ? { name: headerName, value: headerValue.join(':') } : undefined,
      orgUrl: e.AZURE_DEVOPS_ORG_URL?.replace(/\/+$/, ''),
      token: e.AZURE_DEVOPS_TOKEN,
      adminToken: e.AZURE_DEVOPS_ADMIN_TOKEN,
      vsspsUrl: e.AZURE_DEVOPS_VSSPS_URL?.replace(/\/+$/, ''),
      revokePolicy: e.AZURE_DEVOPS_REVOKE_POLICY,
      apiVersion: e.AZURE_DEVOPS_API_VERSION,
      tokenAdminApiVersion: e.AZURE_DEVOPS_TOKEN_ADMIN_API_VERSION ?? e.AZURE_DEVOPS_API_VERSION,
      probeScopes: e.AZURE_DEVOPS_PROBE_SCOPES === 'on',
    },
    revoke: e.PATROL_REVOKE,
    /** Findings reported from history older than patrol's first push from that repository: revoke, or notify only. */
    historyResponse: e.PATROL_HISTORY_RESPONSE,
    verify: e.PATROL_VERIFY,
    maxPushBytes: e.PATROL_MAX_PUSH_BYTES,
    /** Most API calls one push scan may make (per-commit reading falls back to one compare beyond it). */
    pushCallBudget: e.PATROL_PUSH_CALL_BUDGET,
    /** Pushes and deliveries older than this many days are deleted (incidents and occurrences are kept). */
    retainDays: e.PATROL_RETAIN_DAYS,
    /** A push carrying more new tokens than this is one mass-leak alert to the security addresses. */
    massLeakThreshold: e.PATROL_MASS_LEAK_THRESHOLD,
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      securityEmails: e.PATROL_SECURITY_EMAILS,
      /** Owner and author addresses are mailed only in these domains (and their subdomains); empty: any domain. */
      notifyDomains: e.PATROL_NOTIFY_DOMAINS.map((d) => d.toLowerCase()),
      /** The SMTP greeting (EHLO) name. */
      smtpName: e.SMTP_NAME ?? new URL(e.PATROL_PUBLIC_URL ?? `http://localhost:${e.PORT}`).hostname,
    },
    /** The chat and webhook channels that are configured, each with the events it receives (default: all). */
    channels: channelSettings(e),
    remoteTimeoutMs: e.PATROL_REMOTE_TIMEOUT_MS,
    githubRevocation: {
      batchDelayMs: e.PATROL_GITHUB_BATCH_DELAY_MS,
      callsPerHour: e.PATROL_GITHUB_REVOKE_CALLS_PER_HOUR,
    },
    jobs: {
      concurrency: e.PATROL_JOB_CONCURRENCY,
      pollMs: e.PATROL_JOB_POLL_MS,
      shutdownGraceMs: e.PATROL_SHUTDOWN_GRACE_MS,
      staleMs: e.PATROL_JOB_STALE_MS,
      giveUpAfterMs: e.PATROL_GIVE_UP_AFTER,
    },
  }
}

export interface ChannelSettings {
  id: PostedChannelId
  url: string
  events: NotifyEvent[]
  /** The webhook's HMAC-SHA256 key. */
  secret?: string
}

function channelSettings(e: z.infer<typeof settingsSchema>): ChannelSettings[] {
  const events = (v: string[] | undefined) => (v ?? [...NOTIFY_EVENTS]) as NotifyEvent[]
  const out: ChannelSettings[] = []
  if (e.PATROL_SLACK_WEBHOOK_URL)
    out.push({ id: 'slack', url: e.PATROL_SLACK_WEBHOOK_URL, events: events(e.PATROL_SLACK_EVENTS) })
  if (e.PATROL_TEAMS_WEBHOOK_URL)
    out.push({ id: 'teams', url: e.PATROL_TEAMS_WEBHOOK_URL, events: events(e.PATROL_TEAMS_EVENTS) })
  if (e.PATROL_WEBHOOK_URL)
    out.push({
      id: 'webhook',
      url: e.PATROL_WEBHOOK_URL,
      events: events(e.PATROL_WEBHOOK_EVENTS),
      secret: e.PATROL_WEBHOOK_SECRET,
    })
  return out
}

type Env = Record<string, string | undefined>

/** Validates everything but the secrets. Empty strings count as unset. */
export function parseSettings(env: Env): Settings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const result = settingsSchema.safeParse(present)
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`))
  if (present.GITHUB_APP_ID && !present.GITHUB_APP_PRIVATE_KEY)
    throw new ConfigError(['GITHUB_APP_PRIVATE_KEY: expects the PEM private key of the app named by GITHUB_APP_ID'])
  if (present.GITHUB_APP_PRIVATE_KEY && !present.GITHUB_APP_ID)
    throw new ConfigError(['GITHUB_APP_ID: expects the numeric GitHub App id that goes with GITHUB_APP_PRIVATE_KEY'])
  if (present.PATROL_WEBHOOK_URL && !present.PATROL_WEBHOOK_SECRET)
    throw new ConfigError([
      'PATROL_WEBHOOK_SECRET: expects the HMAC-SHA256 key (at least 16 characters) that signs what goes to PATROL_WEBHOOK_URL',
    ])
  return toSettings(result.data)
}

/** The secret values the environment sets (non-empty ones). */
export function secretsFromEnv(env: Env): SecretValues {
  const out: SecretValues = {}
  for (const name of Object.keys(SECRET_VARIABLES) as (keyof typeof SECRET_VARIABLES)[]) {
    const v = env[name]
    if (v) out[name] = v
  }
  return out
}

/** Decodes and checks a full set of secret values; every problem is named by its variable. */
export function parseSecrets(values: SecretValues): Secrets {
  const problems: string[] = []
  const need = (name: keyof typeof SECRET_VARIABLES): string => {
    const v = values[name]
    if (!v) problems.push(`${name}: missing; expects ${SECRET_VARIABLES[name]}`)
    return v ?? ''
  }
  const key = (name: 'PATROL_SEALING_KEY' | 'PATROL_FINGERPRINT_KEY'): Uint8Array => {
    const v = need(name)
    const bytes = v ? decodeBase64(v) : undefined
    if (v && bytes?.length !== 32) problems.push(`${name}: expects ${SECRET_VARIABLES[name]}`)
    return bytes ?? new Uint8Array(32)
  }
  const adminTokens = parseAdminTokens(need('PATROL_ADMIN_TOKENS'), problems)
  const secrets: Secrets = {
    adminTokens,
    reporterTokens: parseAdminTokens(values.PATROL_REPORTER_TOKENS ?? '', problems, 'PATROL_REPORTER_TOKENS'),
    githubWebhookSecret: need('GITHUB_WEBHOOK_SECRET'),
    azureWebhookPassword: need('AZURE_DEVOPS_WEBHOOK_PASSWORD'),
    sealingKey: key('PATROL_SEALING_KEY'),
    fingerprintKey: key('PATROL_FINGERPRINT_KEY'),
  }
  if (problems.length) throw new ConfigError(problems)
  return secrets
}

function parseAdminTokens(value: string, problems: string[], variable = 'PATROL_ADMIN_TOKENS'): AdminToken[] {
  if (!value) return []
  const tokens = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const at = entry.indexOf(':')
      return at > 0
        ? { name: entry.slice(0, at), token: entry.slice(at + 1) }
        : { name: `${variable === 'PATROL_ADMIN_TOKENS' ? 'admin' : 'reporter'}-${i + 1}`, token: entry }
    })
  // A short admin token can be guessed; the generated ones are 43 characters.
  if (tokens.some((t) => t.token.length < 16))
    problems.push(`${variable}: expects each token to be at least 16 characters`)
  return tokens
}

function decodeBase64(v: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return undefined
  try {
    const bin = atob(v.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

/** The whole config: settings plus secrets from the environment, completed by `fallback` (secrets.json on Node). */
export function parseConfig(env: Env, fallback: SecretValues = {}): Config {
  const settings = parseSettings(env)
  const secrets = parseSecrets({ ...fallback, ...secretsFromEnv(env) })
  return { ...settings, secrets }
}
