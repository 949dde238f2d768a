/**
 * Every admin page, with an incident in every state, at 390 px and at 1440 px, checked by axe-core (the
 * `axe-core` dev dependency, loaded from node_modules into Debian's chromium): no serious or critical violation of
 * WCAG 2.x A/AA. The context bypasses the page's CSP only so that axe's own script can run; the pages allow only their
 * own same-origin script (local-time.js).
 */
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Crawl, startCrawl, WIDTHS } from '../support/admin-crawl.js'

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

let crawl: Crawl
beforeAll(async () => {
  crawl = await startCrawl({ bypassCSP: true })
}, 60_000)
afterAll(() => crawl?.close())

describe('axe-core on every admin page', () => {
  for (const width of WIDTHS)
    it(`finds no serious or critical violation at ${width} px`, async () => {
      await crawl.page.setViewportSize({ width, height: 900 })
      const found: string[] = []
      for (const path of crawl.paths) {
        await crawl.page.goto(crawl.url + path)
        await crawl.page.addScriptTag({ path: AXE })
        const violations = (await crawl.page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(o: unknown): Promise<{ violations: unknown[] }> } }).axe
          const result = await axe.run({
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
          })
          return result.violations
        })) as Violation[]
        for (const v of violations)
          if (v.impact === 'serious' || v.impact === 'critical')
            found.push(
              `${path}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes
                .map((n) => n.target.join(' '))
                .slice(0, 3)
                .join(', ')}`,
            )
      }
      expect(found).toEqual([])
    }, 120_000)
})
