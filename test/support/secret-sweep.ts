/**
 * The secret sweep (DESIGN.md invariant 1): looks for planted tokens in whatever patrol wrote or said (database
 * file, WAL, log lines, mail, API responses), whole and in their plain base64 form. A hit is described by the
 * token's kind prefix, the form and where, never by the token itself, so a failing test does not leak it either.
 *
 * @example
 * const sweep = new SecretSweep(tokens)
 * sweep.check('patrol.db', readFileSync(path))
 * sweep.check('log', JSON.stringify(lines))
 * expect(sweep.hits).toEqual([])
 */
export interface SweepHit {
  where: string
  form: 'raw' | 'base64'
  /** The first four characters of the token, enough to tell which family leaked. */
  prefix: string
}

export class SecretSweep {
  readonly hits: SweepHit[] = []
  /** How many haystacks and bytes were searched, so a suite can show it searched something. */
  searched = { places: 0, bytes: 0 }
  readonly #forms: { form: SweepHit['form']; needle: Buffer; prefix: string }[]

  constructor(tokens: Iterable<string>) {
    this.#forms = [...new Set(tokens)].flatMap((t) => [
      { form: 'raw' as const, needle: Buffer.from(t), prefix: t.slice(0, 4) },
      { form: 'base64' as const, needle: Buffer.from(Buffer.from(t).toString('base64')), prefix: t.slice(0, 4) },
    ])
  }

  check(where: string, haystack: string | Uint8Array): void {
    const bytes =
      typeof haystack === 'string'
        ? Buffer.from(haystack)
        : Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength)
    this.searched.places++
    this.searched.bytes += bytes.length
    for (const f of this.#forms) if (bytes.includes(f.needle)) this.hits.push({ where, form: f.form, prefix: f.prefix })
  }
}
