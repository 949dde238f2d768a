/**
 * GitHub `secret_scanning_alert` deliveries (created, reopened), end to end over the loopback stand-ins: patrol reads
 * the alert through the REST API (the GitHub stand-in answers `secret-scanning-alert-with-metadata` as GitHub's
 * OpenAPI description defines it, and checks the update's body), validates the secret with its own checksums,
 * revokes an Azure DevOps PAT through Token Admin, and only then resolves the alert as `revoked` with a comment
 * linking the incident. A secret that fails the checksums is recorded on the event and not acted on; a GitHub token,
 * whose revocation GitHub only accepts, leaves the alert open. @octokit/webhooks-examples has no
 * `secret_scanning_alert` example: the payload is built from the `webhook-secret-scanning-alert-created` schema of
 * @octokit/openapi-webhooks-types.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { contentEvents, incidents, occurrences } from '../../src/db/schema.js'
import { type AzureDevOpsAdminApi, startAzureDevOpsAdminApi } from '../support/azure-devops-admin-api.js'
import { type GithubApiStandIn, startGithubApi } from '../support/github-api.js'
import { type Pipeline, startPipeline, tokensAtRest } from '../support/pipeline.js'
import { generateAdoPat, generateGithubToken, mutateOneChar } from '../support/tokens.js'

const READER = 'reader-token-with-alert-access'
const ADMIN = 'azure-admin-pat-for-token-admin'
const REPO = 'acme/ops'
let gh: GithubApiStandIn
let az: AzureDevOpsAdminApi
let p: Pipeline
let alertNumber = 0
const leaked: string[] = []

beforeAll(async () => {
  gh = await startGithubApi()
  gh.requireToken(READER)
})
afterAll(() => gh.close())

async function setup() {
  az = await startAzureDevOpsAdminApi({ adminToken: ADMIN })
  p = await startPipeline({
    GITHUB_API_URL: gh.url,
    GITHUB_TOKEN: READER,
    AZURE_DEVOPS_ORG_URL: az.orgUrl,
    AZURE_DEVOPS_VSSPS_URL: az.vsspsUrl,
    AZURE_DEVOPS_ADMIN_TOKEN: ADMIN,
    PATROL_PUBLIC_URL: 'https://patrol.acme.example',
  })
}

afterEach(async () => {
  expect(tokensAtRest(p.dir, leaked)).toEqual([])
  expect(JSON.stringify(p.log.lines)).not.toMatch(new RegExp(leaked.join('|') || '^$'))
  await p.close()
  await az.close()
  leaked.length = 0
})

/** A `secret_scanning_alert` payload as the webhook schema defines it (the secret is not in it). */
function alertPayload(action: string, number: number) {
  return {
    action,
    alert: {
      number,
      created_at: '2026-11-30T10:00:00Z',
      updated_at: null,
      url: `https://api.github.com/repos/${REPO}/secret-scanning/alerts/${number}`,
      html_url: `https://github.com/${REPO}/security/secret-scanning/${number}`,
      locations_url: `https://api.github.com/repos/${REPO}/secret-scanning/alerts/${number}/locations`,
      resolution: null,
      resolved_at: null,
      resolved_by: null,
      resolution_comment: null,
      secret_type: 'azure_devops_personal_access_token',
      secret_type_display_name: 'Azure DevOps Personal Access Token',
      validity: 'unknown',
      push_protection_bypassed: false,
      publicly_leaked: false,
      multi_repo: false,
    },
    repository: { id: 42, node_id: 'R_1', name: 'ops', full_name: REPO, private: true, owner: { login: 'acme' } },
    sender: { login: 'github' },
  }
}

async function raise(secret: string, secretType = 'azure_devops_personal_access_token') {
  const number = ++alertNumber
  const alert = gh.secretAlert(REPO, { number, secret, secret_type: secretType })
  const res = await p.postGithub(alertPayload('created', number), `alert-${number}`, { event: 'secret_scanning_alert' })
  expect(res.status).toBe(202)
  await p.settle()
  return alert
}

describe('secret scanning alerts', () => {
  it('revokes an Azure DevOps PAT an alert holds, then resolves the alert as revoked with a link to the incident', async () => {
    await setup()
    const token = generateAdoPat()
    leaked.push(token)
    const user = az.addUser({ email: 'owner@contoso.example', displayName: 'Pat Owner' })
    az.addPat({ token, user, validFrom: '2026-01-01T00:00:00Z' })

    const alert = await raise(token)
    const [incident] = await p.db.select().from(incidents)
    expect(incident).toMatchObject({ status: 'revoked', kind: 'azure-devops-pat' })
    expect(await p.db.select().from(occurrences)).toMatchObject([
      {
        source: 'alert',
        repository: REPO,
        path: `secret scanning alert #${alert.number}`,
        // Built from the configured GITHUB_API_URL's host (the stand-in), never from the payload.
        url: `${gh.url}/${REPO}/security/secret-scanning/${alert.number}`,
      },
    ])
    expect(alert).toMatchObject({
      state: 'resolved',
      resolution: 'revoked',
      resolution_comment: `patrol revoked this token: https://patrol.acme.example/admin/incidents/${incident!.id}`,
    })
    const patch = gh.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/alerts/${alert.number}`))
    expect(patch).toHaveLength(1)
    expect(patch[0]!.headers.authorization).toBe(`Bearer ${READER}`)
  })

  it('records a secret that fails patrol’s checksums on the event and acts on nothing', async () => {
    await setup()
    const broken = mutateOneChar(generateAdoPat(), 20)
    leaked.push(broken)
    const alert = await raise(broken)
    expect(await p.db.select().from(incidents)).toEqual([])
    const [event] = await p.db.select().from(contentEvents)
    expect(event).toMatchObject({ source: 'alert', scanStatus: 'scanned', findings: 0 })
    expect(event!.note).toMatch(/not a token whose checksum patrol can validate; recorded, not acted on/)
    expect(alert.state).toBe('open')
    expect(az.requests).toEqual([])
  })

  it('leaves the alert open for a GitHub token, whose revocation GitHub only accepts', async () => {
    await setup()
    const token = generateGithubToken('ghp')
    leaked.push(token)
    const alert = await raise(token, 'github_personal_access_token')
    const [incident] = await p.db.select().from(incidents)
    expect(incident!.status).not.toBe('revoked')
    expect(alert.state).toBe('open')
    expect(gh.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/alerts/${alert.number}`))).toEqual([])
  })

  it('ignores alert actions that ask nothing of patrol (resolved), storing nothing', async () => {
    await setup()
    const res = await p.postGithub(alertPayload('resolved', 99), 'alert-resolved', { event: 'secret_scanning_alert' })
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ ignored: true })
    expect(await p.db.select().from(contentEvents)).toEqual([])
  })
})
