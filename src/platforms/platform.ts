/**
 * What a platform is to patrol: the one interface `github` and `azure-devops` each implement, so that the webhook
 * route, the job handlers and the admin page dispatch through the registry (index.ts) and never branch on an id.
 *
 * A platform hosts repositories (its webhook and its `PushSource`) and issues tokens (its `TokenIssuer`: owner,
 * isActive, revoke, and its own response strategy: GitHub batches `/credentials/revoke`, Azure revokes then confirms).
 * Links to a repository, commit, file and line are built from the configured hosts, never from payload URLs.
 *
 * @example
 * const p = platform(event.provider)          // throws UnknownPlatformError for an id no platform registered
 * const source = p.source({ config, timing })  // undefined → say "set " + p.sourceSettings
 */
import type { Config } from '../config.js'
import type { Incident, Job } from '../db/schema.js'
import type { ResponseDeps } from '../incidents/response/steps.js'
import type { Attempt } from '../jobs/give-up.js'
import type { JobHandler } from '../jobs/runner.js'
import type { ContentEvent } from './content-event.js'
import type { PlatformId } from './ids.js'
import type { PushEvent, PushSource, TokenIssuer } from './types.js'

export interface Platform {
  readonly id: PlatformId
  /** The name people know it by, for messages: `GitHub`, `Azure DevOps`. */
  readonly label: string
  readonly webhook: PlatformWebhook
  /** Reads what a push added; `undefined` when the config gives patrol no way to read this platform's repositories. */
  source(setup: PlatformSetup): PushSource | undefined
  /** The settings that give it a source, for the "file contents not read: set …" gap. */
  readonly sourceSettings: string
  /** The response to this platform's tokens, over the generic steps of `incidents/response/steps.ts`. */
  response(deps: ResponseDeps, setup: PlatformSetup): PlatformResponse
  /** Links into a repository on the configured host. */
  links(config: Config): RepositoryLinks
  /** What the owner's email tells about this platform's tokens. */
  readonly advice: OwnerAdvice
}

/**
 * Platform-specific sentences of the owner's email (src/notify/message.ts). Where a token is managed depends on its
 * kind, not only its platform: that is the catalog's (`manage` in src/kinds).
 */
export interface OwnerAdvice {
  /** The step that says where to look for what the token did. */
  auditLog: string
  /** How patrol revokes, when it says so: `through Azure DevOps Token Admin`. */
  revokedThrough?: string
  /** What follows a revocation, e.g. a delay before it is enforced. */
  afterRevocation?: string
}

/** What a platform is built from: the config, the fetch every remote call goes through, and the response timing. */
export interface PlatformSetup {
  config: Config
  fetch?: typeof fetch
  timing: ResponseTiming
}

export interface ResponseTiming {
  githubBatchDelayMs: number
  githubCallsPerHour: number
  confirmDelaysMs: number[]
  /** At most this many tokens per GitHub revocation call (default 1000, GitHub's limit); Workers sets fewer. */
  githubTokensPerCall?: number
}

/**
 * A webhook delivery in steps: admit the request by its headers (before a byte of the body is read, so strangers cost
 * nothing), then the route reads the body (capped, and under the budget of unverified bytes when a check is still
 * owed), feeding each chunk to the platform's streaming check; then parse.
 */
export interface PlatformWebhook {
  /** Checks what the headers can tell; a refusal is a 401 that names what is missing. */
  admit(headers: Headers, config: Config): WebhookAdmission
  /** What an authentic delivery is: a push to store, an answer to give (ping, ignored event), or a 400. */
  parse(headers: Headers, raw: string): WebhookDelivery
}

/** A check over the body as it streams in (GitHub's HMAC); `matches()` is asked once, at the end. */
export interface BodyCheck {
  update(chunk: Uint8Array): void
  matches(): Promise<boolean>
  /** The 401's message when it does not match. */
  readonly mismatch: string
}

export type WebhookAdmission =
  | { ok: true; check?: BodyCheck }
  | { ok: false; error: string; headers?: Record<string, string> }

export type WebhookDelivery =
  | { kind: 'push'; deliveryId: string; event: string; push: PushEvent }
  /** Text people wrote (a comment, an issue, a work item…) or an alert to read: stored sealed, scanned by a job. */
  | { kind: 'content'; deliveryId: string; event: string; content: ContentEvent }
  | { kind: 'answer'; status: 200 | 202; body: Record<string, unknown> }
  | { kind: 'refused'; error: string }

export interface PlatformResponse {
  /** The issuer calls (owner, isActive, revoke); `undefined` when patrol is not configured to act on this platform. */
  readonly issuer?: TokenIssuer
  /**
   * Responds to an incident in `responding` (revocation is on): ends it through the steps (`finish`), or hands it to
   * one of `jobs`. Throws to have the queue retry.
   */
  respond(incident: Incident, job: Job, attempt: Attempt): Promise<void>
  /** The platform's own jobs, by job kind (GitHub's batched revocation, Azure's confirmation). */
  readonly jobs: Record<string, JobHandler>
}

/** Where a token was seen, as far as links need it. */
export interface LinkedLocation {
  /** `owner/name` on GitHub, `project/name` on Azure Repos. */
  repository: string
  branch?: string
  commit?: string
  /** A file path; absent (or `(commit message)`) for a commit message. */
  path?: string
  line?: number
}

export interface LocationLinks {
  repository?: string
  branch?: string
  commit?: string
  /** The file at the commit, at the line when known. */
  file?: string
}

export interface RepositoryLinks {
  /** Every link a location has; none when the platform's host is not configured. */
  of(location: LinkedLocation): LocationLinks
  /** A page's path (`acme/api/issues/12`) under the configured web host; none when the host is not configured. */
  page(webPath: string): string | undefined
}

/** Thrown by the registry for an id no platform registered: never a fall-through to another platform. */
export class UnknownPlatformError extends Error {
  readonly platform: string
  constructor(platform: string, known: readonly string[]) {
    super(`unknown platform "${platform}": patrol knows ${known.join(', ')}`)
    this.name = 'UnknownPlatformError'
    this.platform = platform
  }
}
