/**
 * Links to a repository, commit, file and line are built from the configured hosts (GITHUB_API_URL,
 * AZURE_DEVOPS_ORG_URL) and the location's own names, never from a URL a payload carried.
 */
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.js'
import { azureDevOpsLinks } from '../../src/platforms/azure-devops/links.js'
import { githubLinks, githubWebUrl } from '../../src/platforms/github/links.js'
import { locationLinks } from '../../src/platforms/index.js'
import { testEnv } from '../support/env.js'

const sha = 'a1b2c3d4'.repeat(5)

describe('GitHub links', () => {
  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://ghes.acme.example/api/v3', 'https://ghes.acme.example'],
    ['https://ghes.acme.example/api/v3/', 'https://ghes.acme.example'],
    ['https://api.acme.ghe.com', 'https://acme.ghe.com'],
    ['http://127.0.0.1:8123', 'http://127.0.0.1:8123'],
  ])('takes the web host of %s to be %s', (api, web) => {
    expect(githubWebUrl(api)).toBe(web)
  })

  it('links the repository, branch, commit, and the file at the commit and line, on github.com', () => {
    const links = githubLinks('https://api.github.com').of({
      repository: 'acme/api',
      branch: 'refs/heads/feature/x y',
      commit: sha,
      path: '/config/prod #1.env',
      line: 7,
    })
    expect(links).toEqual({
      repository: 'https://github.com/acme/api',
      branch: 'https://github.com/acme/api/tree/feature/x%20y',
      commit: `https://github.com/acme/api/commit/${sha}`,
      file: `https://github.com/acme/api/blob/${sha}/config/prod%20%231.env#L7`,
    })
  })

  it('links on the GitHub Enterprise Server host of GITHUB_API_URL', () => {
    const links = githubLinks('https://ghes.acme.example/api/v3').of({ repository: 'acme/api', commit: sha, path: 'a' })
    expect(links.commit).toBe(`https://ghes.acme.example/acme/api/commit/${sha}`)
    expect(links.file).toBe(`https://ghes.acme.example/acme/api/blob/${sha}/a`)
  })

  it('gives no file link for a commit message, and no commit link for a commit that is not hex', () => {
    const links = githubLinks('https://api.github.com').of({
      repository: 'acme/api',
      commit: 'javascript:alert(1)',
      path: '(commit message)',
      line: 1,
    })
    expect(links).toEqual({ repository: 'https://github.com/acme/api' })
    expect(
      githubLinks('https://api.github.com').of({ repository: 'acme/api', commit: sha, path: '(commit message)' }),
    ).toMatchObject({ commit: `https://github.com/acme/api/commit/${sha}`, file: undefined })
  })

  it('links nothing for a repository name that is not owner/name', () => {
    for (const repository of ['acme', 'acme/api/extra', '../../evil.example/x'])
      expect(githubLinks('https://api.github.com').of({ repository, commit: sha })).toEqual({})
  })
})

describe('Azure Repos links', () => {
  it('links on an Azure DevOps Services organization', () => {
    const links = azureDevOpsLinks('https://dev.azure.com/contoso').of({
      repository: 'Web Platform/api',
      branch: 'refs/heads/release/1.0',
      commit: sha,
      path: 'src/app.config',
      line: 12,
    })
    const base = 'https://dev.azure.com/contoso/Web%20Platform/_git/api'
    expect(links.repository).toBe(base)
    expect(links.branch).toBe(`${base}?version=GBrelease%2F1.0`)
    expect(links.commit).toBe(`${base}/commit/${sha}`)
    expect(links.file).toBe(
      `${base}?path=%2Fsrc%2Fapp.config&version=GC${sha}&line=12&lineEnd=13&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents`,
    )
  })

  it('links on an Azure DevOps Server collection', () => {
    const links = azureDevOpsLinks('https://tfs.contoso.example/tfs/DefaultCollection/').of({
      repository: 'proj/repo',
      commit: sha,
    })
    expect(links.commit).toBe(`https://tfs.contoso.example/tfs/DefaultCollection/proj/_git/repo/commit/${sha}`)
  })

  it('links nothing without AZURE_DEVOPS_ORG_URL', () => {
    expect(azureDevOpsLinks(undefined).of({ repository: 'proj/repo', commit: sha })).toEqual({})
  })
})

describe('links through the registry', () => {
  it('use the configured hosts for each platform', () => {
    const config = parseConfig(
      testEnv('/tmp/patrol-links', {
        GITHUB_API_URL: 'https://ghes.acme.example/api/v3',
        AZURE_DEVOPS_ORG_URL: 'https://tfs.contoso.example/tfs/Main',
      }),
    )
    expect(locationLinks(config, 'github', { repository: 'acme/api' })).toEqual({
      repository: 'https://ghes.acme.example/acme/api',
    })
    expect(locationLinks(config, 'azure-devops', { repository: 'proj/repo' })).toEqual({
      repository: 'https://tfs.contoso.example/tfs/Main/proj/_git/repo',
    })
  })
})
