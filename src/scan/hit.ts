/**
 * A token found at an offset of the text being scanned, before it is placed on a line.
 * Internal to src/scan: the public shape is `Finding` in types.ts.
 *
 * @example
 * const hit: Hit = { kind: 'github-oauth', confidence: 'high', secret: '…', offset: 12, encoding: 'plain', depth: 0 }
 */
import type { Confidence, TokenKind } from './types.js'

/** What a detector says about the text at one position. */
export interface Detection {
  kind: TokenKind
  confidence: Confidence
  secret: string
}

export interface Hit extends Detection {
  /** UTF-16 offset in the scanned text where the token, or the encoded text holding it, starts. */
  offset: number
  /** `plain`, or the decoder chain joined by `>`. */
  encoding: string
  /** How many decoders the token went through (0 for plain); plain findings win a tie. */
  depth: number
}
