/**
 * Values that several kinds' records share, written once: the confidence rules of a detector
 * family, where an issuer's owners manage a kind of credential, the usual preview.
 *
 * @example
 * defineKind({ …, confidence: GITHUB_CRC32, manage: GITHUB_PAT_SETTINGS, redaction: FOUR_AND_FOUR })
 */

/** The preview most kinds use: 4 characters from each end. */
export const FOUR_AND_FOUR = { head: 4, tail: 4 } as const

/** `gh?_` tokens: a CRC32 of the body in the last 6 characters. */
export const GITHUB_CRC32 = {
  high: 'the last 6 characters are base62(CRC32(body))',
  low: 'the shape of the token without its checksum',
} as const

export const GITHUB_PAT_SETTINGS = 'GitHub: Settings → Developer settings → Personal access tokens'
export const GITHUB_AUTHORIZED_APPS =
  "GitHub: Settings → Applications → Authorized GitHub Apps (revoke the app's access)"
export const AZURE_DEVOPS_PAT_SETTINGS = 'Azure DevOps: User settings → Personal access tokens, in each organization'
