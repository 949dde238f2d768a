/**
 * Takes the README's screenshots of the admin page: the demo's world (stage.ts) with a few pushes that end in
 * different states (revoked, revocation requested, not revocable, suppressed, resolved, false positive), then
 * Debian's chromium signs in and captures the full incident list (docs/admin-incidents.png), and the dashboard, the
 * Needs attention list and one incident at 1440 px and on a 390 px phone (docs/admin-<page>-<width>.png). Run it
 * again after changing the page. Needs /usr/bin/chromium (`apt-get install -y chromium`); downloads nothing.
 *
 * @example
 * npx tsx scripts/demo/screenshot.ts            # writes docs/admin-*.png
 * npx tsx scripts/demo/screenshot.ts out.png    # the incident list only, to out.png
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { launchChromium } from '../../test/support/browser.js'
import { generateFineGrainedPat } from '../../test/support/tokens.js'
import { generateGithubToken, startStage } from './stage.js'

const target = resolve(process.argv[2] ?? 'docs/admin-incidents.png')
const stage = await startStage()
try {
  const dev = { name: 'Dev One', email: 'dev@acme.example' }
  const ops = { name: 'Ops Two', email: 'ops@acme.example' }
  await stage.api('/api/suppressions', {
    method: 'POST',
    body: JSON.stringify({ repository: 'acme/app', pathGlob: 'test/fixtures/**', reason: 'generated test fixtures' }),
  })

  const pat = stage.azurePat({ email: 'pat.owner@contoso.example', displayName: 'Pat Owner' })
  await stage.pushGithub(
    'acme/payments',
    { 'deploy/.env': `GITHUB_TOKEN=${generateGithubToken('ghp')}\nAZURE_DEVOPS_PAT=${pat}\n` },
    dev,
  )
  await stage.pushGithub('acme/web', { 'scripts/release.sh': `export GH_TOKEN=${generateGithubToken('ghs')}\n` }, ops)
  await stage.pushGithub('acme/infra', { 'terraform/providers.tf': `token = "${generateFineGrainedPat()}"\n` }, ops)
  await stage.pushGithub('acme/app', { 'test/fixtures/token.txt': `${generateGithubToken('ghp')}\n` }, dev)
  const builder = stage.azurePat({ email: 'build.admin@contoso.example', displayName: 'Build Admin' })
  await stage.pushAzure(
    { 'pipelines/build.yml': `steps:\n  - script: git clone https://${builder}@dev.azure.com/fabrikam/p/_git/r\n` },
    ops,
  )
  await stage.pushGithub(
    'acme/docs',
    { 'examples/api.md': `curl -H "Authorization: token ${generateGithubToken('ghp')}"\n` },
    dev,
  )
  await stage.settle(7)

  const { items } = await stage.api<{ items: { id: number; repositories: string[] }[] }>('/api/incidents')
  const act = (repo: string, action: string, note: string) => {
    const incident = items.find((i) => i.repositories.includes(repo))
    if (!incident) throw new Error(`no incident in ${repo}`)
    return stage.api(`/api/incidents/${incident.id}/actions`, {
      method: 'POST',
      body: JSON.stringify({ action, note }),
    })
  }
  await act('acme/infra', 'resolve', 'token rotated, history rewritten')
  await act('acme/docs', 'false_positive', 'documentation example, never a live token')

  const browser = await launchChromium()
  try {
    // An admin in Berlin: the page's script shows each time in the browser's zone (local-time.ts).
    const page = await browser.newPage({
      viewport: { width: 1280, height: 560 },
      deviceScaleFactor: 1,
      locale: 'en-GB',
      timezoneId: 'Europe/Berlin',
    })
    await page.goto(`${stage.service.url}/admin/sign-in`)
    await page.fill('input[name=token]', stage.adminToken)
    await Promise.all([page.waitForURL(`${stage.service.url}/admin`), page.click('button[type=submit]')])
    await page.goto(`${stage.service.url}/admin/incidents?view=all`)
    mkdirSync(dirname(target), { recursive: true })
    await page.screenshot({ path: target, fullPage: true })
    process.stdout.write(`wrote ${target}\n`)
    if (!process.argv[2]) {
      const payments = items.find((i) => i.repositories.includes('acme/payments'))
      const pages = { dashboard: '/admin', attention: '/admin/incidents', incident: `/admin/incidents/${payments?.id}` }
      for (const width of [1440, 390])
        for (const [name, path] of Object.entries(pages)) {
          await page.setViewportSize({ width, height: width === 390 ? 844 : 900 })
          await page.goto(`${stage.service.url}${path}`)
          const file = resolve(`docs/admin-${name}-${width}.png`)
          await page.screenshot({ path: file, fullPage: true })
          process.stdout.write(`wrote ${file}\n`)
        }
    }
  } finally {
    await browser.close()
  }
} finally {
  await stage.close()
}
