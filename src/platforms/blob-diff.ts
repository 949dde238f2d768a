/**
 * The lines a new version of a file added relative to its old version, with their line numbers in the new file.
 * Used when a platform gives blobs but no patch (Azure Repos always; GitHub for large or patch-less files).
 * Removed lines are never returned: a secret that a push deleted is not something the push leaked.
 *
 * @example
 * addedLinesBetween('a\nb\n', 'a\nTOKEN=x\nb\n') // [{ line: 2, text: 'TOKEN=x' }]
 */
import { structuredPatch } from 'diff'

export interface NumberedLine {
  line: number
  text: string
}

/** Past this, Myers' diff can take seconds; the whole new file is scanned instead (over-reporting beats missing). */
const DIFF_TIMEOUT_MS = 2_000

export function addedLinesBetween(oldText: string, newText: string): NumberedLine[] {
  if (oldText === '') return allLines(newText)
  if (oldText === newText) return []
  const patch = structuredPatch('a', 'b', oldText, newText, undefined, undefined, {
    context: 0,
    timeout: DIFF_TIMEOUT_MS,
  })
  if (!patch) return allLines(newText)
  const added: NumberedLine[] = []
  for (const hunk of patch.hunks) {
    let line = hunk.newStart
    // With zero context a pure deletion hunk reports newStart as the line before it; it adds nothing anyway.
    for (const l of hunk.lines) {
      const sign = l[0]
      if (sign === '+') added.push({ line: line++, text: stripCr(l.slice(1)) })
      else if (sign === ' ') line++
      // '-' lines belong to the old file; '\' is "No newline at end of file".
    }
  }
  return added
}

/** Every line of a file, numbered from 1 (a new file, or one whose diff was too costly). */
export function allLines(text: string): NumberedLine[] {
  if (text === '') return []
  const parts = text.split('\n')
  if (parts[parts.length - 1] === '') parts.pop()
  return parts.map((t, i) => ({ line: i + 1, text: stripCr(t) }))
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s
}
