/**
 * Every admin page, with an incident in every state, at a 390 px phone width and at 1440 px, in Debian's chromium:
 * the page itself never scrolls sideways (a wide table may scroll only inside its own box), and no page shows a
 * token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Crawl, startCrawl, WIDTHS } from '../support/admin-crawl.js'

let crawl: Crawl
beforeAll(async () => {
  crawl = await startCrawl()
}, 60_000)
afterAll(() => crawl?.close())

describe('the admin pages fit', () => {
  for (const width of WIDTHS)
    it(`reads every page at ${width} px without sideways scrolling of the page`, async () => {
      await crawl.page.setViewportSize({ width, height: 900 })
      const overflowing: string[] = []
      for (const path of crawl.paths) {
        await crawl.page.goto(crawl.url + path)
        const { scroll, view, culprits } = await crawl.page.evaluate(() => {
          const view = document.documentElement.clientWidth
          const culprits = [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > view + 1 && !e.closest('.scroll'))
            .slice(0, 3)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
          return { scroll: document.documentElement.scrollWidth, view, culprits }
        })
        if (scroll > view) overflowing.push(`${path}: ${scroll} > ${view} (${culprits.join(', ')})`)
        const html = await crawl.page.content()
        for (const token of crawl.tokens) expect(html).not.toContain(token)
      }
      expect(overflowing).toEqual([])
    }, 60_000)
})
