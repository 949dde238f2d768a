/**
 * Links into a GitHub repository, built from the configured GITHUB_API_URL and never from a payload's URLs
 * (a payload could point anywhere): `https://api.github.com` → `https://github.com`, GitHub Enterprise Server's
 * `https://HOST/api/v3` → `https://HOST`, GHE.com's `https://api.SUB.ghe.com` → `https://SUB.ghe.com`.
 *
 * @example
 * githubLinks('https://HOST/api/v3').of({ repository: 'acme/api', commit: sha, path: 'a.env', line: 3 }).file
 * // 'https://HOST/acme/api/blob/<sha>/a.env#L3'
 */
import { branchName, encodePath, filePath, linkableSha } from '../links.js'
import type { RepositoryLinks } from '../platform.js'

/** The web host that goes with a REST API base. */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl)
  const path = url.pathname.replace(/\/+$/, '')
  if (/\/api\/v3$/.test(path)) return `${url.origin}${path.replace(/\/api\/v3$/, '')}`
  if (url.hostname.startsWith('api.')) return `${url.protocol}//${url.host.slice('api.'.length)}${path}`
  return `${url.origin}${path}`
}

export function githubLinks(apiUrl: string): RepositoryLinks {
  const web = githubWebUrl(apiUrl)
  return {
    page: (webPath) => `${web}/${webPath.replace(/^\/+/, '')}`,
    of(location) {
      if (!/^[^/]+\/[^/]+$/.test(location.repository)) return {}
      const base = `${web}/${encodePath(location.repository)}`
      const branch = branchName(location)
      const sha = linkableSha(location.commit)
      const path = filePath(location)
      return {
        repository: base,
        branch: branch ? `${base}/tree/${encodePath(branch)}` : undefined,
        commit: sha ? `${base}/commit/${sha}` : undefined,
        file:
          sha && path
            ? `${base}/blob/${sha}/${encodePath(path)}${location.line ? `#L${location.line}` : ''}`
            : undefined,
      }
    },
  }
}
