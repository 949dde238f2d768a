import { describe, expect, it } from 'vitest'

describe('the platform registry', () => {
  it('finds every platform even when a platform module is imported before the registry', async () => {
    // The platforms' response code imports the registry back (links): the import order must not matter.
    const { github } = await import('../../src/platforms/github/index.js')
    const { platform, allPlatforms } = await import('../../src/platforms/index.js')
    expect(platform('github')).toBe(github)
    expect(allPlatforms().every((p) => p !== undefined)).toBe(true)
  })
})
