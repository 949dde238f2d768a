/**
 * The scanner's public face: pure detection of Azure DevOps and GitHub tokens in text and diffs.
 * No I/O, no clock, no Node-only imports: the webhook jobs, the Workers runtime and the CLI share it.
 *
 * @example
 * import { scanText, scanAddedLines, parsePatch, redact } from './scan/index.js'
 * for (const f of scanAddedLines(parsePatch(file.patch, file.filename, sha))) console.log(f.kind, f.path, f.line,
 * redact(f.secret))
 */

// The catalog travels with the engine: what each kind is, who issues it, how it is revoked.
export { KINDS, kindOf, labelOf, TOKEN_KIND_IDS } from '../kinds/index.js'
export { validateAdoLegacyPat, validateAdoPat } from './detectors/azure-devops.js'
export { validateFineGrainedPat, validateGhsJwt, validateGithubClassic } from './detectors/github.js'
export { DiffReader, parsePatch, parseUnifiedDiff, parseUnifiedDiffStream } from './diff.js'
export { redact } from './redact.js'
export { DiffScanner, scanAddedLines, scanText, scanUnifiedDiff } from './scanner.js'
export type {
  AddedLine,
  Confidence,
  Finding,
  FindingTag,
  Issuer,
  LocatedFinding,
  ScanOptions,
  TokenKind,
} from './types.js'
