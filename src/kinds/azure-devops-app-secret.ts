/**
 * Azure DevOps application secret in the legacy 52-character format (application seed). Not a PAT: Token Admin cannot
 * revoke it, so patrol notifies only.
 *
 * @example
 * kindOf('azure-devops-app-secret').label // 'Azure DevOps application secret (legacy 52-character format)'
 */
import { FOUR_AND_FOUR } from './common.js'
import { defineKind } from './types.js'

export const azureDevopsAppSecret = defineKind({
  id: 'azure-devops-app-secret',
  label: 'Azure DevOps application secret (legacy 52-character format)',
  issuer: 'azure-devops',
  detectors: [{ family: 'azure-devops-legacy', seed: 0x1019f92e, length: 52 }],
  confidence: {
    high: 'the embedded CRC32, XORed with the application seed, holds',
    low: 'never: without its checksum it cannot be told from a legacy PAT (reported as one)',
  },
  revocation: {
    revocable: false,
    reason: 'application secret: not a personal access token, Token Admin cannot revoke it; regenerate it in the app',
  },
  manage: "Azure DevOps: the registered application's settings (regenerate its secret)",
  redaction: FOUR_AND_FOUR,
  // None is published; the catalog test generates them.
  examples: [],
  negatives: [],
})
