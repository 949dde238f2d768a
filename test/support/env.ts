/** A complete environment for tests: fixed secrets, a temporary data folder, loopback everything. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'
export const TEST_GITHUB_SECRET = 'test-github-webhook-secret'
export const TEST_AZURE_PASSWORD = 'test-azure-hook-password'

export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATROL_DATA_DIR: dataDir,
    PORT: '0',
    PATROL_ADMIN_TOKENS: `tester:${TEST_ADMIN_TOKEN}`,
    GITHUB_WEBHOOK_SECRET: TEST_GITHUB_SECRET,
    AZURE_DEVOPS_WEBHOOK_PASSWORD: TEST_AZURE_PASSWORD,
    PATROL_SEALING_KEY: Buffer.alloc(32, 1).toString('base64'),
    PATROL_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
    LOG_LEVEL: 'warn',
    // A loopback GitHub stands in for github.com unless a test sets up a GitHub Enterprise Server apart from it.
    ...(extra.GITHUB_API_URL ? { GITHUB_DOTCOM_API_URL: extra.GITHUB_API_URL } : {}),
    ...extra,
  }
}
