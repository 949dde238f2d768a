/**
 * `npm run demo`: patrol end to end in a few seconds, for someone who just cloned the repository. Starts patrol on a
 * temporary data folder with loopback stand-ins for GitHub, Azure DevOps and an SMTP server (scripts/demo/stage.ts),
 * sends a signed GitHub push that leaks two freshly generated tokens (a GitHub classic PAT and an Azure DevOps PAT),
 * waits for patrol's response, and prints the incidents (read through the admin API), the revocation calls the
 * stand-ins received, and the emails. Then it prints the admin page's URL and token, stops everything and removes the
 * folder. With `--keep` it stays up until Ctrl-C, so the admin page can be opened in a browser.
 *
 * Tokens are shown as previews only, as everywhere in patrol.
 *
 * @example
 * npm run demo
 * npm run demo -- --keep
 */
import { redact } from '../src/scan/redact.js'
import { generateGithubToken, type Stage, startStage } from './demo/stage.js'

interface Summary {
  id: number
  status: string
  kind: string
  preview: string
  repositories: string[]
  owner: { name: string | null; email: string | null }
  timeToRevokeMs: number | null
}
interface Detail extends Summary {
  timeline: { at: string; type: string; summary: string }[]
}

const keep = process.argv.includes('--keep')
const out = (line = '') => process.stdout.write(`${line}\n`)
const heading = (text: string) => out(`\n== ${text}`)
const indent = (text: string, by = '     ') =>
  text
    .replace(/\r\n/g, '\n')
    .trimEnd()
    .split('\n')
    .map((l) => by + l)
    .join('\n')

async function run(stage: Stage) {
  const { service } = stage
  out(`patrol is up at ${service.url} (data in ${stage.dataDir})`)
  out(
    `stand-ins: GitHub ${stage.github.url}, GitHub /credentials/revoke ${stage.githubCredentials.apiUrl}, Azure DevOps ${stage.azureAdmin.orgUrl}, SMTP 127.0.0.1:${stage.smtp.port}`,
  )

  const githubPat = generateGithubToken('ghp')
  const azurePat = stage.azurePat({ email: 'pat.owner@contoso.example', displayName: 'Pat Owner' })
  heading('1. A developer pushes two tokens to acme/payments')
  out(`   deploy/.env  GITHUB_TOKEN=${redact(githubPat)}`)
  out(`   deploy/.env  AZURE_DEVOPS_PAT=${redact(azurePat)}`)
  const status = await stage.pushGithub('acme/payments', {
    'deploy/.env': `REGION=westeurope\nGITHUB_TOKEN=${githubPat}\nAZURE_DEVOPS_PAT=${azurePat}\n`,
  })
  out(`   POST ${service.url}/webhooks/github (signed with the webhook secret) → ${status}`)
  if (status !== 202) throw new Error(`the webhook answered ${status}, expected 202`)

  const started = Date.now()
  await stage.settle(2)
  out(`   patrol scanned the push, revoked, confirmed and emailed in ${Date.now() - started} ms`)

  heading('2. Incidents (GET /api/incidents and /api/incidents/:id)')
  const { items } = await stage.api<{ items: Summary[] }>('/api/incidents')
  for (const summary of [...items].reverse()) {
    const i = await stage.api<Detail>(`/api/incidents/${summary.id}`)
    const owner = i.owner.email ? `, owner ${i.owner.name ?? ''} <${i.owner.email}>` : ''
    const revoked = i.timeToRevokeMs !== null ? `, revoked ${i.timeToRevokeMs} ms after the push` : ''
    out(`   #${i.id} ${i.kind} ${i.preview}: ${i.status} (in ${i.repositories.join(', ')}${owner}${revoked})`)
    for (const e of i.timeline) out(`       ${e.at}  ${e.type.padEnd(12)} ${e.summary}`)
  }

  heading('3. Revocation calls the stand-ins received')
  for (const call of stage.githubCredentials.calls)
    out(
      `   GitHub        POST /credentials/revoke {"credentials":[${call.credentials.map((c) => `"${redact(c)}"`).join(',')}]} → ${call.status}`,
    )
  for (const ids of stage.azureAdmin.revocationCalls)
    out(
      `   Azure DevOps  POST /_apis/tokenadmin/revocations [${ids.map((id) => `{"authorizationId":"${id}"}`).join(',')}] → 204`,
    )
  const checks = stage.azureAdmin.requests.filter((r) => r.route === 'connectionData').length
  out(`   Azure DevOps  GET /_apis/connectionData × ${checks} (find the owner, then confirm the PAT stopped working)`)

  heading(`4. Emails (${stage.smtp.messages.length}, through the SMTP stand-in)`)
  for (const mail of stage.smtp.messages)
    out(`   To: ${mail.envelope.to.join(', ').padEnd(28)} Subject: ${mail.parsed.subject ?? ''}`)
  // One message in full: the one to the owner patrol found through the issuer.
  const toOwner =
    stage.smtp.messages.find((m) => m.envelope.to.includes('pat.owner@contoso.example')) ?? stage.smtp.messages[0]
  if (toOwner) {
    out(`\n   The email to ${toOwner.envelope.to.join(', ')}:`)
    out(`     Subject: ${toOwner.parsed.subject ?? ''}\n`)
    out(indent(toOwner.parsed.text ?? ''))
  }
  const everything = JSON.stringify(stage.smtp.messages.map((m) => m.raw))
  if (everything.includes(githubPat) || everything.includes(azurePat)) throw new Error('an email carried a raw token')

  heading('5. The admin page')
  out(`   ${service.url}/admin`)
  out(`   admin token: ${stage.adminToken}`)
  out(`   API: curl -H 'Authorization: Bearer ${stage.adminToken}' ${service.url}/api/incidents`)
}

async function main() {
  const stage = await startStage()
  let failed = false
  try {
    await run(stage)
  } catch (error) {
    failed = true
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`)
  }
  if (keep && !failed) {
    out('\npatrol keeps running (--keep); press Ctrl-C to stop and remove the data folder.')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    })
  } else if (!failed) {
    out('   (this run is over and its folder removed; `npm run demo -- --keep` keeps patrol up to open the page)')
  }
  await stage.close()
  out('stopped patrol and the stand-ins, removed the data folder.')
  process.exitCode = failed ? 1 : 0
}

await main()
