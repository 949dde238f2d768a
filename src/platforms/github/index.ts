/**
 * GitHub (github.com, GHE.com and GitHub Enterprise Server) as a platform: its webhook, its source (a token or a
 * GitHub App), its response (batched `/credentials/revoke`; on GitHub Enterprise Server both there and on github.com)
 * and its links, from GITHUB_* settings.
 *
 * @example
 * github.source({ config, timing }) // GithubSource, or undefined without GITHUB_TOKEN / GITHUB_APP_ID
 */
import { PLATFORM_LABELS } from '../ids.js'
import type { Platform } from '../platform.js'
import { GithubSource } from './client.js'
import { GithubIssuer } from './issuer.js'
import { githubLinks } from './links.js'
import { githubResponse } from './respond.js'
import { githubWebhook } from './webhook.js'

export const github: Platform = {
  id: 'github',
  label: PLATFORM_LABELS.github,
  webhook: githubWebhook,
  sourceSettings: 'GITHUB_TOKEN or GITHUB_APP_ID',
  source({ config, fetch }) {
    if (!config.github.token && !config.github.app) return undefined
    return new GithubSource({
      apiUrl: config.github.apiUrl,
      token: config.github.token,
      app: config.github.app,
      fetch,
      timeoutMs: config.remoteTimeoutMs,
    })
  },
  response(deps, { config, fetch, timing }) {
    return githubResponse({
      ...deps,
      issuer: new GithubIssuer({
        apiUrl: config.github.apiUrl,
        // Any other API than github.com's is a GitHub Enterprise Server: revoke there and on github.com.
        ...(config.github.apiUrl !== config.github.dotcomApiUrl
          ? { enterprise: { dotcomApiUrl: config.github.dotcomApiUrl, token: config.github.token } }
          : {}),
        verify: config.verify === 'on',
        fetch,
        timeoutMs: config.remoteTimeoutMs,
      }),
      confirmDelaysMs: timing.confirmDelaysMs,
      batchDelayMs: timing.githubBatchDelayMs,
      callsPerHour: timing.githubCallsPerHour,
      tokensPerCall: timing.githubTokensPerCall,
    })
  },
  links: (config) => githubLinks(config.github.apiUrl),
  advice: {
    revokedThrough: 'through GitHub’s credential revocation API',
    afterRevocation:
      'GitHub revokes a valid token at once and emails its owner; it does not tell patrol whether it was valid.',
    auditLog:
      "Check the audit log for what the token did since the commit: your security log (Settings → Security log) and your organization's audit log.",
  },
}
