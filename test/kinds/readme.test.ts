/**
 * The README's table of token kinds (in "`patrol scan`") is the catalog written for people: this
 * keeps its ids, labels, order and revocation column equal to src/kinds, so the two cannot drift.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KINDS } from '../../src/kinds/index.js'

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')

/** The rows of the table whose header starts `| kind | label |`, as arrays of trimmed cells. */
function kindTable(): string[][] {
  const lines = README.split('\n')
  const header = lines.findIndex((l) => l.startsWith('| kind | label |'))
  if (header === -1) throw new Error('README.md has no table starting "| kind | label |"')
  const rows: string[][] = []
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    )
  }
  return rows
}

describe("the README's table of token kinds", () => {
  it('lists every kind of the catalog, in its order, with its label', () => {
    expect(kindTable().map(([id, label]) => [id, label])).toEqual(KINDS.map((k) => [`\`${k.id}\``, k.label]))
  })

  it('says "notify only" exactly for the kinds that cannot be revoked', () => {
    const notifyOnly = kindTable().map((row) => row[row.length - 1] === 'notify only')
    expect(notifyOnly).toEqual(KINDS.map((k) => !k.revocation.revocable))
  })
})
