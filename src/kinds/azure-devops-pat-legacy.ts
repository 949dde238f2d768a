/**
 * Azure DevOps personal access token in the legacy 52-character format (user-PAT seed).
 *
 * @example
 * kindOf('azure-devops-pat-legacy').label // 'Azure DevOps personal access token (legacy 52-character format)'
 */
import { AZURE_DEVOPS_PAT_SETTINGS, FOUR_AND_FOUR } from './common.js'
import { defineKind } from './types.js'

export const azureDevopsPatLegacy = defineKind({
  id: 'azure-devops-pat-legacy',
  label: 'Azure DevOps personal access token (legacy 52-character format)',
  issuer: 'azure-devops',
  detectors: [{ family: 'azure-devops-legacy', seed: 0xe0b9692d, length: 52 }],
  confidence: {
    high: 'the embedded CRC32, XORed with the user-PAT seed, holds',
    low: '52 lower-case base32 characters near a word such as "token" or "azure", checksum failing',
  },
  revocation: { revocable: true },
  manage: AZURE_DEVOPS_PAT_SETTINGS,
  redaction: FOUR_AND_FOUR,
  examples: [
    {
      source:
        'microsoft/sarif-pattern-matcher src/Plugins/Tests.Security/TestData/SecurePlaintextSecrets/Inputs/SEC101_102.AdoPat.txt',
      parts: ['h5lxeqkz4zujkyvzg5emkejgel', 'xj4x64tvyzclprekuloawbbz5q'],
    },
  ],
  negatives: [
    { source: 'patrol (a hex string of the same length)', parts: ['deadbeef'.repeat(6), 'dead'] },
    {
      source: 'patrol (random base32, checksum failing)',
      parts: ['zpczok4kqgnw5prpfy3ehiylbq', 'vgbjfkdiqkejsxqamy7qbkep7q'],
    },
  ],
})
