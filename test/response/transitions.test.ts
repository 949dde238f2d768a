/** The transition rules (test/support/transition-cases.ts) on a real SQLite file, through better-sqlite3. */
import { afterAll, describe, expect, it } from 'vitest'
import { tempDatabase } from '../support/db.js'
import { TRANSITION_CASES } from '../support/transition-cases.js'

const t = tempDatabase()
afterAll(() => t.cleanup())

describe('incident transitions on SQLite', () => {
  for (const c of TRANSITION_CASES) it(c.name, () => c.run(t.db, expect))
})
