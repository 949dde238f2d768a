/**
 * The detection engine: finds every token in a piece of text and returns hits at offsets.
 * Built for speed on hundreds of megabytes, without regular expressions on the hot path:
 *
 * 1. a literal prefilter: `indexOf('gh')` (GitHub classic and JWT tokens) runs at memory speed,
 *    and only its hits are checked for shape and checksum;
 * 2. a skip search for runs of token characters (base64 of either alphabet, `%XX`, `\uXXXX`): it
 *    probes every 52nd character, since legacy PATs, Azure DevOps PATs, fine-grained PATs and any
 *    encoded token are at least 52 such characters in a row, and examines only runs that long.
 *    Inside a run, literal searches find `JQQJ99` (Azure DevOps), `github_pat_` and escapes, a
 *    second skip search finds 52-character base32 runs (legacy PATs), and base64, percent and
 *    escape decoding is scanned again (up to two decoders deep). Decoding itself is gated by cheap
 *    checks (decode.ts), because most long runs are paths, identifiers and hashes.
 * 3. a literal search for `\u` finds the unicode escapes the skip search cannot see: a token with
 *    a few escaped characters is a run shorter than 52, and `\u{…}` braces break runs.
 *
 * Every loop is linear; a 1 MB line of `a` costs a few passes over it and nothing more.
 *
 * @example
 * findHits('Authorization: Basic OmdocF8…', { includeLow: false, diff: false })
 * // [{ kind: 'github-classic-pat', offset: 21, encoding: 'base64', depth: 1, … }]
 */
import { BASE32_LOWER, RUN } from './chars.js'
import { base64Views, type DecodedView, inUrlUserinfo, MIN_BASE64_RUN, unescapedView } from './decode.js'
import { detach } from './detach.js'
import {
  ADO_LEGACY_LENGTH,
  ADO_PAT_LENGTH,
  ADO_PAT_SIGNATURE,
  adoLegacyPatAt,
  adoPatAt,
  SIGNATURE_AT,
} from './detectors/azure-devops.js'
import { FINE_GRAINED_PREFIX, GITHUB_PREFIX, githubTokenAt } from './detectors/github.js'
import { escapedUnitAt, escapeEndingAt } from './escapes.js'
import type { Detection, Hit } from './hit.js'

export interface EngineOptions {
  includeLow: boolean
  /**
   * The text is a unified diff: a run that starts a line with `+` does not include the `+`
   * (it is the diff's marker, not content), so encoded values stay aligned.
   */
  diff: boolean
  /**
   * The text is UTF-8 bytes, one character per byte (bytes.ts): hits are the same, at byte
   * offsets; only the context window of a low-confidence legacy PAT is measured in decoded text.
   */
  bytes?: boolean
}

/** Decoded text is scanned again, but only this many decoders deep. */
const MAX_DEPTH = 2
/** Shortest run the skip search must find: a legacy PAT, or base64 of a 40-character token (52+). */
const MIN_RUN = 52
/** `github_pat_` tokens are 93 characters. */
const FINE_GRAINED_LENGTH = 93

type Add = (d: Detection | undefined, offset: number) => void

/** Every hit in `text`, in no particular order. */
export function findHits(text: string, options: EngineOptions): Hit[] {
  const hits: Hit[] = []
  scan(text, options, 0, hits)
  return hits
}

function scan(text: string, options: EngineOptions, depth: number, hits: Hit[]): void {
  const add: Add = (d, offset) => {
    if (!d) return
    const userinfo = depth === 0 && inUrlUserinfo(text, offset)
    hits.push({ ...d, secret: detach(d.secret), offset, encoding: userinfo ? 'url-userinfo' : 'plain', depth: 0 })
  }

  for (let at = text.indexOf(GITHUB_PREFIX); at !== -1; at = text.indexOf(GITHUB_PREFIX, at + 2)) {
    add(githubTokenAt(text, at, options.includeLow), at)
  }

  // Skip search: any run of MIN_RUN run characters contains one of these probes.
  // (The table is read through a local and the test written out: this loop is the hottest there is.)
  const run = RUN
  const end = text.length
  let probe = MIN_RUN - 1
  while (probe < end) {
    let c = text.charCodeAt(probe)
    if (c >= 128 || run[c] !== 1) {
      probe += MIN_RUN
      continue
    }
    let from = probe
    while (from > 0) {
      c = text.charCodeAt(from - 1)
      if (c >= 128 || run[c] !== 1) break
      from--
    }
    // A long run must reach from + MIN_RUN - 1: look there first, and skip past it if it breaks.
    const reach = from + MIN_RUN - 1
    if (reach >= end) break
    c = text.charCodeAt(reach)
    if (c >= 128 || run[c] !== 1) {
      probe = reach + MIN_RUN
      continue
    }
    let to = probe + 1
    while (to < end) {
      c = text.charCodeAt(to)
      if (c >= 128 || run[c] !== 1) break
      to++
    }
    if (to < reach) {
      probe = to + MIN_RUN
      continue
    }
    if (options.diff && text.charCodeAt(from) === 0x2b && (from === 0 || text.charCodeAt(from - 1) === 0x0a)) from++
    if (to - from >= MIN_RUN) examineRun(text, from, to, options, depth, hits, add)
    probe = to + MIN_RUN
  }
  if (depth < MAX_DEPTH) unicodeEscapes(text, options, depth, hits)
}

/** Run characters and the braces of `\u{…}`: the extent of an escaped token. */
const ESCAPED_TOKEN = (() => {
  const t = RUN.slice()
  t[0x7b] = 1
  t[0x7d] = 1
  return t
})()
/** The shortest escaped token: 40 characters, one of them escaped as `\u{X}` at least. */
const MIN_ESCAPED_TOKEN = 44

/**
 * Regions around `\u` escapes that the skip search left alone (shorter than a run, or holding
 * braces), decoded and scanned again. A region the skip search examined is not decoded twice.
 */
function unicodeEscapes(text: string, options: EngineOptions, depth: number, hits: Hit[]): void {
  const region = ESCAPED_TOKEN
  let done = 0
  for (let at = text.indexOf('\\u'); at !== -1; at = text.indexOf('\\u', Math.max(at + 2, done))) {
    if (at < done) continue
    let from = at
    let braces = false
    while (from > 0) {
      const c = text.charCodeAt(from - 1)
      if (c >= 128 || region[c] !== 1) break
      if (c === 0x7b || c === 0x7d) braces = true
      from--
    }
    let to = at + 2
    while (to < text.length) {
      const c = text.charCodeAt(to)
      if (c >= 128 || region[c] !== 1) break
      if (c === 0x7b || c === 0x7d) braces = true
      to++
    }
    done = to
    if (to - from < MIN_ESCAPED_TOKEN || (!braces && to - from >= MIN_RUN)) continue
    const view = unescapedView(text, from, to, 'unicode-escape')
    if (view) rescan(view, options, depth, hits)
  }
}

/** True when an escape at `at` stands for a character that tokens or base64 are made of. */
function hidesTokenCharacter(text: string, at: number): boolean {
  const e = escapedUnitAt(text, at)
  return (
    e !== undefined &&
    (e.unit === 0x3d /* = */ || (e.unit < 128 && RUN[e.unit] === 1 && e.unit !== 0x25 && e.unit !== 0x5c))
  )
}

/**
 * A long run of token characters: the PATs in it, and whatever its encoded parts decode to.
 * Runs are long but many (identifiers, paths, hashes), so nothing here walks a run character by
 * character: literal searches find signatures and escapes, and skip searches find base32 runs
 * and decodable base64 (decode.ts).
 */
function examineRun(
  text: string,
  from: number,
  to: number,
  options: EngineOptions,
  depth: number,
  hits: Hit[],
  add: Add,
): void {
  const length = to - from
  // A slice is a view of the text, not a copy: it bounds the literal searches to the run.
  const run = text.slice(from, to)
  if (length >= ADO_PAT_LENGTH) {
    // A PAT is 84 alphanumerics, so it lies inside a run: its signature is looked for only there.
    const last = length - (ADO_PAT_LENGTH - SIGNATURE_AT)
    for (
      let at = run.indexOf(ADO_PAT_SIGNATURE, SIGNATURE_AT);
      at !== -1 && at <= last;
      at = run.indexOf(ADO_PAT_SIGNATURE, at + 1)
    ) {
      add(adoPatAt(text, from + at, options.includeLow), from + at - SIGNATURE_AT)
    }
  }
  legacyRuns(text, from, to, options, add)
  if (length >= FINE_GRAINED_LENGTH) {
    const last = length - FINE_GRAINED_LENGTH
    for (
      let at = run.indexOf(FINE_GRAINED_PREFIX);
      at !== -1 && at <= last;
      at = run.indexOf(FINE_GRAINED_PREFIX, at + 1)
    ) {
      add(githubTokenAt(text, from + at, options.includeLow), from + at)
    }
  }
  if (depth >= MAX_DEPTH) return
  // `%` and `\` are the run characters outside base64: they split the run into base64 parts.
  let percent = false
  let escaped = false
  let part = from
  let nextPercent = run.indexOf('%')
  let nextBackslash = run.indexOf('\\')
  for (;;) {
    const at =
      nextPercent === -1 ? nextBackslash : nextBackslash === -1 ? nextPercent : Math.min(nextPercent, nextBackslash)
    const end = at === -1 ? to : from + at
    if (end - part >= MIN_BASE64_RUN) {
      for (const view of base64Views(text, part, end)) rescan(view, options, depth, hits)
    }
    if (at === -1) break
    if (at === nextPercent) {
      if (!percent && hidesTokenCharacter(text, end)) percent = true
      nextPercent = run.indexOf('%', at + 1)
    } else {
      if (!escaped && hidesTokenCharacter(text, end)) escaped = true
      nextBackslash = run.indexOf('\\', at + 1)
    }
    part = end + 1
  }
  if (percent) {
    const view = unescapedView(text, from, to, 'percent')
    if (view) rescan(view, options, depth, hits)
  }
  if (escaped) {
    const view = unescapedView(text, from, to, 'unicode-escape')
    if (view) rescan(view, options, depth, hits)
  }
}

/**
 * Legacy PATs among the maximal runs of lower-case base32 in `text[from, to)`. A skip search:
 * a run of 52 or more holds one of the probes, every 52nd character.
 */
function legacyRuns(text: string, from: number, to: number, options: EngineOptions, add: Add): void {
  const base32 = BASE32_LOWER
  let probe = from + ADO_LEGACY_LENGTH - 1
  while (probe < to) {
    let c = text.charCodeAt(probe)
    if (c >= 128 || base32[c] !== 1) {
      probe += ADO_LEGACY_LENGTH
      continue
    }
    let start = probe
    while (start > from) {
      c = text.charCodeAt(start - 1)
      if (c >= 128 || base32[c] !== 1) break
      start--
    }
    let end = probe + 1
    while (end < to) {
      c = text.charCodeAt(end)
      if (c >= 128 || base32[c] !== 1) break
      end++
    }
    if (end - start >= ADO_LEGACY_LENGTH) legacyRun(text, start, end, options, add)
    probe = end + ADO_LEGACY_LENGTH
  }
}

/**
 * A maximal run of lower-case base32 `text[from, to)`: a legacy PAT if exactly 52 long, or 52 long
 * after the last characters of an escape (`%3a`, `\u003a` end in base32 letters and digits).
 */
function legacyRun(text: string, from: number, to: number, options: EngineOptions, add: Add): void {
  const length = to - from
  if (length === ADO_LEGACY_LENGTH) {
    add(adoLegacyPatAt(text, from, options.includeLow, options.bytes), from)
  } else if (
    length > ADO_LEGACY_LENGTH &&
    length <= ADO_LEGACY_LENGTH + 4 &&
    escapeEndingAt(text, to - ADO_LEGACY_LENGTH - 1)
  ) {
    add(adoLegacyPatAt(text, to - ADO_LEGACY_LENGTH, options.includeLow, options.bytes), to - ADO_LEGACY_LENGTH)
  }
}

/** Scans decoded text and reports its hits at the encoded text, with the decoder chain. */
function rescan(view: DecodedView, options: EngineOptions, depth: number, hits: Hit[]): void {
  const inner: Hit[] = []
  scan(view.text, { includeLow: options.includeLow, diff: false }, depth + 1, inner)
  for (const h of inner) {
    hits.push({
      ...h,
      offset: view.outer(h.offset),
      encoding: h.encoding === 'plain' ? view.encoding : `${view.encoding}>${h.encoding}`,
      depth: h.depth + 1,
    })
  }
}
