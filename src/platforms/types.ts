/**
 * The vocabulary platforms and the core share (docs/architecture.md): the normalized `PushEvent`, a `PushSource` that
 * tells what
 * a push added, a `TokenIssuer` that can find a token's owner, check it and revoke it, and revocation outcomes.
 * A GitHub repository can leak an Azure DevOps PAT, so source and issuer are chosen independently: the push's
 * platform reads it, the token's issuer responds (platform.ts has the interface each platform implements).
 *
 * @example
 * for await (const file of source.added(push, { maxBytes: 100 << 20 }, report)) {
 *   findings.push(...scanAddedLines(file.lines.map((l) => ({ ...l, path: file.path, commit: file.commit }))))
 * }
 */
import type { TokenKind } from '../scan/types.js'
import type { PlatformId } from './ids.js'

/** The platform a push came from (ids.ts). */
export type Provider = PlatformId

export const ZERO_SHA = '0000000000000000000000000000000000000000'

/** The path under which a commit's message is reported: commit messages are content too. */
export const COMMIT_MESSAGE_PATH = '(commit message)'

export interface Person {
  name?: string
  email?: string
  /** Platform login or unique name, when the payload carries one. */
  login?: string
}

export interface PushCommit {
  id: string
  message: string
  /** Azure truncates long comments in the hook payload (`commentTruncated`); the source fetches them whole. */
  messageTruncated?: boolean
  author: Person
  timestamp?: string
  /** GitHub: false when the commit was already in the repository (pushed on another branch). Azure: always true. */
  distinct: boolean
  url?: string
}

export interface RefUpdate {
  ref: string
  /** 40 zeros for a new ref. */
  before: string
  /** 40 zeros for a deleted ref. */
  after: string
}

/** A push delivery normalized across platforms; stored as JSON in `pushes.payload`. */
export interface PushEvent {
  provider: Provider
  repository: {
    /** GitHub numeric id as a string, or the Azure repository GUID. */
    id: string
    /** `owner/name` on GitHub, `project/name` on Azure Repos. */
    fullName: string
    /** Web URL of the repository, for links in emails and the admin page. */
    url?: string
    defaultBranch?: string
    /** Azure: the project id, needed by the REST paths. */
    projectId?: string
  }
  /** GitHub has exactly one; an Azure push may update several refs. */
  refUpdates: RefUpdate[]
  /** GitHub: the `forced` flag. */
  forced?: boolean
  pusher: Person
  commits: PushCommit[]
  /** GitHub App deliveries: used to mint an installation token. */
  installationId?: number
  /** Azure: the push id, re-read through the REST API rather than trusting the payload. */
  pushId?: number
  /** GitHub Enterprise Server / Azure DevOps Server: the API base the delivery came from, when known. */
  apiBase?: string
}

/** One file's (or one commit message's) added lines. Commit messages use path `(commit message)`. */
export interface AddedFile {
  path: string
  commit?: string
  /** Author of `commit`, for the occurrence row and the owner fallback. */
  author?: Person
  lines: { line: number; text: string }[]
}

/** Filled in by a source while it yields: what was read and why a push was only partly scanned. */
export interface ScanReport {
  bytes: number
  files: number
  /** Empty when the whole push was scanned; otherwise one human-readable reason per gap. */
  partial: string[]
}

/** What one push scan may spend. */
export interface PushLimits {
  /** Most bytes read. */
  maxBytes: number
  /** Most API calls made for the push (PATROL_PUSH_CALL_BUDGET); sources that make one call per push may ignore it. */
  maxCalls?: number
  /** Resumable scans: a source that reads commit by commit skips the commits an earlier attempt read whole. */
  progress?: CommitProgress
}

export interface PushSource {
  readonly provider: Provider
  /**
   * Yields what the push added, file by file. Throws `RemoteError` (remote-error.ts) on rate limits, 5xx and
   * timeouts so that the job is rescheduled; a retry skips the commits `limits.progress` says were read whole.
   */
  added(push: PushEvent, limits: PushLimits, report: ScanReport): AsyncIterable<AddedFile>
}

/** What a source tells a resumable scan, commit by commit (incidents/ingest/scan-progress.ts). */
export interface CommitProgress {
  /** True when an earlier attempt read `commit` whole: do not read it again. */
  skip(commit: string): boolean
  /** About to read `commit`. */
  begin(commit: string): void
  /** `commit` was read whole and each of its files handed over (so its findings are recorded). */
  done(commit: string): Promise<void>
}

/** What the issuer knows of a token's owner. */
export interface TokenOwner {
  id?: string
  /** Azure: the subject descriptor used by Token Admin. */
  descriptor?: string
  name?: string
  email?: string
}

export interface RevocationContext {
  kind: TokenKind
  /** Committer time of the earliest commit that added the token: candidates created after it cannot be the token. */
  committedAt?: Date
  /** When the token was first pushed, by patrol's clock: the broad rule's bound. */
  pushedAt?: Date
  owner?: TokenOwner
  /** Set when a narrow revocation did not stop the token: revoke the broad remainder, for this reason. */
  widen?: string
  /** Where this response records each step, so that a retry resumes at the first undone one. Default: none. */
  steps?: ResponseSteps
}

/** The remote steps of a response whose results are recorded (`response_steps`), in the order they run. */
export const RESPONSE_STEPS = ['connection', 'candidates', 'revocation'] as const
export type ResponseStep = (typeof RESPONSE_STEPS)[number]

/**
 * A response's record of the steps it has done (incidents/response/step-log.ts). `once` runs `run` only when no
 * earlier attempt recorded that step's result, and records it when `run` returns; a throw records nothing, so the
 * retry runs it again. `part` numbers repeated steps (the revocation's batches).
 */
export interface ResponseSteps {
  once<T>(step: ResponseStep, run: () => Promise<T>, part?: number): Promise<T>
}

/** Records nothing: every step runs (the CLI, checks outside a response). */
export const UNRECORDED_STEPS: ResponseSteps = { once: (_step, run) => run() }

/** One authorization an issuer was asked to revoke, and why it was a candidate (Azure Token Admin). */
export interface RevocationCandidate {
  authorizationId: string
  displayName?: string
  scope?: string
  /** ISO 8601, UTC. */
  createdAt?: string
  why: string
}

/**
 * The outcome of one revocation attempt, as recorded in `revocations.outcome`.
 * - `revoked`: confirmed: the leaked token no longer authenticates.
 * - `requested`: the issuer accepted the request (GitHub 202, Azure Token Admin 204); not yet confirmed.
 * - `inactive`: the token does not work (any more); nothing to revoke.
 * - `not_revocable`: no API can revoke it (e.g. `ghs_` installation tokens, which expire within an hour).
 * - `skipped`: patrol chose not to act (not configured, `PATROL_REVOKE=off`, policy `none`).
 * - `failed`: a permanent failure (after retries).
 */
export type RevocationOutcome =
  | { outcome: 'revoked'; detail: string; authorizationIds?: string[] }
  | {
      outcome: 'requested'
      detail: string
      authorizationIds?: string[]
      candidates?: RevocationCandidate[]
      /** Why the narrow rules were widened, when they were. */
      widened?: string
      /** GitHub: which issuer(s) accepted the request (a host, or `github.com`). */
      acceptedBy?: string[]
    }
  | { outcome: 'inactive'; detail: string }
  | { outcome: 'not_revocable'; detail: string }
  | { outcome: 'skipped'; detail: string }
  | { outcome: 'failed'; detail: string }

/** Every outcome, as stored in `revocations.outcome` (with `error`: a failed attempt that is retried). */
export const REVOCATION_OUTCOMES = [
  'revoked',
  'requested',
  'inactive',
  'not_revocable',
  'skipped',
  'failed',
] as const satisfies readonly RevocationOutcome['outcome'][]

export interface TokenIssuer {
  readonly issuer: PlatformId
  /**
   * Who owns the token, when the issuer can tell. `undefined` when unknown; throws RemoteError on transient failure.
   */
  owner(token: string, kind: TokenKind, steps?: ResponseSteps): Promise<TokenOwner | undefined>
  revoke(token: string, context: RevocationContext): Promise<RevocationOutcome>
  /** `undefined` when the issuer cannot tell (GitHub has no offline check patrol may use). */
  isActive(token: string, kind: TokenKind): Promise<boolean | undefined>
}
