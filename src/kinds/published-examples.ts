/**
 * Fingerprints of the checksum-valid tokens that others publish as examples (peer scanners' rules
 * and tests, vendor documentation; the catalog records list them with their sources). Such a token
 * is still reported, but tagged `published-example`: it is in every copy of those repositories,
 * so it is someone's fixture, not this owner's leak, and the service answers it with a low-priority
 * note to the security team instead of an owner alarm.
 *
 * Only SHA-256 digests are shipped, computed with the scanner's own synchronous SHA-256 so the
 * check runs the same on Node, Workers and in the CLI. The catalog test keeps this list equal to
 * the digests of the records' examples.
 *
 * @example
 * isPublishedExample(finding.secret) // true for a token copied from a scanner's test suite
 */
import { sha256 } from '../scan/checksums/sha256.js'

/** SHA-256 (hex) of each published example in the catalog (src/kinds/*.ts `examples`). */
export const PUBLISHED_EXAMPLE_DIGESTS: ReadonlySet<string> = new Set([
  '7752bf84ba8afd2752af48758e572465af6ad6cd7daf87925f83354917fa24a1', // azure-devops-pat: praetorian-inc/noseyparker
  '83a6e7de1b014eb936b25fd15d832f9d2aa98a48143e054555632024adce0048', // azure-devops-pat-legacy: microsoft/sarif-pattern-matcher
  'd5d642cf13f0cb5ba6a49d133a7d58042a5ca1bf3f0d5dbfaaaedcc2d7e00099', // github-classic-pat: DataDog/dd-sensitive-data-scanner
  '05cbc5a8c44903700e0056fdc3afaef5a053d4f10f9f5d6bf7a806faed32fe12', // github-classic-pat: DataDog/dd-sensitive-data-scanner
  'cba950eff81a16fab09002e0cf66a97a862d71c4c8695ae35163948c200de4c7', // github-classic-pat: DataDog/dd-sensitive-data-scanner
  '08fed5083fd1c724cb21d5d940e0b7376d54cd6847e1c5a97dceeeda01fd68aa', // github-classic-pat: DataDog/dd-sensitive-data-scanner
  'e3dbdc19aacdbe41f37d8a8e8545f4e6a8118f2d7a577dd858ff0223cae0a4b2', // github-classic-pat: SonarSource/sonar-text
  'c38d66bafbcf98ef1f20213acc31791482cc0bf47d2ca04e758804cd86d9c071', // github-classic-pat: Yelp/detect-secrets
  'd3677d4f41b67a19db175d85cbcc0a48e32cafd160bccdef9999ffe1d03f4075', // github-classic-pat: mongodb/kingfisher
  '7f96ce4ac814a87242b6fc0df31637a326cb6418ebeaab911e33821a5d74f2f7', // github-classic-pat: trufflesecurity/trufflehog
  '941a870ed08c62b96cb6f8b1727b0d1e8e0a15bf1652a4c1537ed353547735cf', // github-fine-grained-pat: SonarSource/sonar-text
  '04096e40aa8dd4bced00513050e59bb76efdff60e1696c27a7c3ec91283bc280', // github-fine-grained-pat: SonarSource/sonar-text
  '8cf263052890081fc0bf3f36ac5aca16b448c4a3bf808da16e900dd0ab8bfcc1', // github-fine-grained-pat: secretlint/secretlint
])

const ENCODER = new TextEncoder()

/** Lower-case hex SHA-256 of a token's characters. */
export function tokenDigest(token: string): string {
  let hex = ''
  for (const b of sha256(ENCODER.encode(token))) hex += b.toString(16).padStart(2, '0')
  return hex
}

/** True when `token` is one of the published examples. */
export function isPublishedExample(token: string): boolean {
  return PUBLISHED_EXAMPLE_DIGESTS.has(tokenDigest(token))
}
