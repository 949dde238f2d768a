/**
 * Debian's chromium driven by playwright-core, for the admin page's browser tests and the README screenshot.
 * Nothing is downloaded: the browser is the system package (`apt-get install -y chromium`, done by `.ci/run`), run
 * headless with everything that would reach the network switched off.
 *
 * @example
 * const browser = await launchChromium()
 * const page = await browser.newPage()
 * await page.goto(`${service.url}/admin`)
 * await browser.close()
 */
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM_PATH = process.env.PATROL_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
}
