/**
 * Azure DevOps personal access token, the 84-character format (July 2024) and its 88-character long form.
 *
 * @example
 * kindOf('azure-devops-pat').label // 'Azure DevOps personal access token'
 */
import { AZURE_DEVOPS_PAT_SETTINGS, FOUR_AND_FOUR } from './common.js'
import { defineKind } from './types.js'

const MS_RUST =
  'microsoft/security-utilities src/security_utilities_rust/src/microsoft_security_utilities_core/identifiable_scans.rs'

export const azureDevopsPat = defineKind({
  id: 'azure-devops-pat',
  label: 'Azure DevOps personal access token',
  issuer: 'azure-devops',
  detectors: [{ family: 'azure-devops-pat', signature: 'JQQJ99', length: 84 }],
  confidence: {
    high: 'the Marvin32 checksum (seeded "Default0") in the last 4 characters holds',
    low: 'the shape (JQQJ99 signature, AZDO marker) without its checksum',
  },
  revocation: { revocable: true },
  manage: AZURE_DEVOPS_PAT_SETTINGS,
  redaction: FOUR_AND_FOUR,
  examples: [
    {
      source: 'praetorian-inc/noseyparker crates/noseyparker/data/default/builtin/rules/azure.yml',
      parts: ['6RtqHqPc66Y6DYbkydbrrFJTYnRoA7r40ts7LWS2Sk', 'INSFsRABxhJQQJ99BFACAAAAALGcqjAAASAZDO3eqU'],
    },
  ],
  negatives: [
    {
      // Checksum-valid, but a key of another provider (`ABCD` where a PAT has `AZDO`): not this kind.
      source: 'microsoft/security-utilities src/security_utilities_rust/test_files/bench_data.utf8',
      parts: ['A'.repeat(52), 'JQQJ99AGAAAAAAAAAAAAAAAAABCDTZJ9'],
    },
    { source: MS_RUST, parts: ['6'.repeat(52), 'JQQJ99AEAAAAAAAAAAAAAAAAAZFUrS9s'] },
    { source: MS_RUST, parts: ['7'.repeat(52), 'JQQJ99AEAAAAAAAAAAAAAAAAAZFUSHua'] },
  ],
})
