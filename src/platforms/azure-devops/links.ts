/**
 * Links into an Azure Repos repository, built from the configured AZURE_DEVOPS_ORG_URL (Services organization or
 * Server collection) and never from a payload's URLs: `{org}/{project}/_git/{repository}`. Without an org URL there
 * are no links.
 *
 * @example
 * azureDevOpsLinks('https://dev.azure.com/contoso').of({ repository: 'web/api', commit: sha }).commit
 * // 'https://dev.azure.com/contoso/web/_git/api/commit/<sha>'
 */
import { branchName, filePath, linkableSha } from '../links.js'
import type { RepositoryLinks } from '../platform.js'

export function azureDevOpsLinks(orgUrl: string | undefined): RepositoryLinks {
  return {
    page: (webPath) => (orgUrl ? `${orgUrl.replace(/\/+$/, '')}/${webPath.replace(/^\/+/, '')}` : undefined),
    of(location) {
      const match = /^([^/]+)\/([^/]+)$/.exec(location.repository)
      if (!orgUrl || !match) return {}
      const base = `${orgUrl.replace(/\/+$/, '')}/${encodeURIComponent(match[1]!)}/_git/${encodeURIComponent(match[2]!)}`
      const branch = branchName(location)
      const sha = linkableSha(location.commit)
      const path = filePath(location)
      const line = location.line
        ? `&line=${location.line}&lineEnd=${location.line + 1}&lineStartColumn=1&lineEndColumn=1&lineStyle=plain`
        : ''
      return {
        repository: base,
        branch: branch ? `${base}?version=GB${encodeURIComponent(branch)}` : undefined,
        commit: sha ? `${base}/commit/${sha}` : undefined,
        file:
          sha && path
            ? `${base}?path=${encodeURIComponent(`/${path.replace(/^\/+/, '')}`)}&version=GC${sha}${line}&_a=contents`
            : undefined,
      }
    },
  }
}
