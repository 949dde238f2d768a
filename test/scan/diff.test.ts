/** Unified diffs as patrol meets them: git log -p, git diff, GitHub compare-API patches. */
import { describe, expect, it } from 'vitest'
import {
  DiffScanner,
  parsePatch,
  parseUnifiedDiff,
  parseUnifiedDiffStream,
  scanAddedLines,
  scanUnifiedDiff,
} from '../../src/scan/index.js'
import { generateAdoLegacyPat, generateGithubToken } from '../support/tokens.js'

const SHA1 = 'a'.repeat(40)
const SHA2 = '0123456789abcdef0123456789abcdef01234567'

function gitLog(token: string): string {
  return [
    `commit ${SHA1}`,
    'Author: A <a@example.com>',
    'Date:   Mon Jan 1 00:00:00 2024 +0000',
    '',
    '    add config',
    '',
    'diff --git a/config.yml b/config.yml',
    'new file mode 100644',
    'index 0000000..1111111',
    '--- /dev/null',
    '+++ b/config.yml',
    '@@ -0,0 +1,3 @@',
    '+name: x',
    `+token: ${token}`,
    '++++ b/not-a-header',
    `commit ${SHA2} (HEAD -> main)`,
    'Merge: 1 2',
    '',
    '    rename and edit',
    '',
    'diff --git a/old name.txt b/new name.txt',
    'similarity index 90%',
    'rename from old name.txt',
    'rename to new name.txt',
    'index 1111111..2222222 100644',
    '--- a/old name.txt',
    '+++ b/new name.txt',
    '@@ -10,4 +10,4 @@ function f() {',
    ' context 10',
    `-removed ${token}`,
    `+added ${token}`,
    ' context 12',
    '',
    '\\ No newline at end of file',
    'diff --git a/img.png b/img.png',
    'Binary files a/img.png and b/img.png differ',
    'diff --git a/gone.txt b/gone.txt',
    'deleted file mode 100644',
    '--- a/gone.txt',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    `-${token}`,
    '',
  ].join('\n')
}

describe('parseUnifiedDiff', () => {
  it('follows commits, renames, binary markers, deletions and hunk counts', () => {
    const token = generateGithubToken('ghp')
    expect(parseUnifiedDiff(gitLog(token))).toEqual([
      { path: 'config.yml', line: 1, text: 'name: x', commit: SHA1 },
      { path: 'config.yml', line: 2, text: `token: ${token}`, commit: SHA1 },
      // counted as the hunk's third added line, not read as a file header
      { path: 'config.yml', line: 3, text: '+++ b/not-a-header', commit: SHA1 },
      { path: 'new name.txt', line: 11, text: `added ${token}`, commit: SHA2 },
    ])
  })

  it('handles CRLF, quoted non-ASCII paths and git diff without commits', () => {
    const diff =
      'diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"\r\n--- "a/caf\\303\\251.txt"\r\n+++ "b/caf\\303\\251.txt"\r\n@@ -1,2 +1,2 @@\r\n-a\r\n+b\r\n \r\n'
    expect(parseUnifiedDiff(diff)).toEqual([{ path: 'café.txt', line: 1, text: 'b' }])
  })

  it('reads diff -u output with timestamps', () => {
    const diff = '--- a.txt\t2024-01-01 00:00:00\n+++ b.txt\t2024-01-02 00:00:00\n@@ -1 +1,2 @@\n x\n+y\n'
    expect(parseUnifiedDiff(diff)).toEqual([{ path: 'b.txt', line: 2, text: 'y' }])
  })

  it('survives bytes that are not UTF-8 (decoded as U+FFFD)', () => {
    const bytes = Buffer.concat([
      Buffer.from('--- a/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('\n+ok\n'),
    ])
    const lines = parseUnifiedDiff(new TextDecoder().decode(bytes))
    expect(lines.map((l) => [l.line, l.text])).toEqual([
      [1, '\ufffd\ufffd\ufffd'],
      [2, 'ok'],
    ])
  })

  it('reads combined diffs of merges: only lines new to every parent are added', () => {
    const diff = [
      'diff --cc m.txt',
      'index 1,2..3',
      '--- a/m.txt',
      '+++ b/m.txt',
      '@@@ -1,2 -1,2 +1,3 @@@',
      '  same',
      ' +from second parent',
      '++evil merge line',
      '- gone',
      '',
    ].join('\n')
    expect(parseUnifiedDiff(diff)).toEqual([{ path: 'm.txt', line: 3, text: 'evil merge line' }])
  })

  it('a truncated hunk does not swallow the next file header', () => {
    const diff = [
      '--- a/x',
      '+++ b/x',
      '@@ -1,5 +1,5 @@',
      '+one',
      'diff --git a/y b/y',
      '--- a/y',
      '+++ b/y',
      '@@ -0,0 +1 @@',
      '+two',
      '',
    ].join('\n')
    expect(parseUnifiedDiff(diff).map((l) => [l.path, l.line, l.text])).toEqual([
      ['x', 1, 'one'],
      ['y', 1, 'two'],
    ])
  })
})

describe('parsePatch (GitHub compare API)', () => {
  it('reads hunks only, with the path and commit given', () => {
    const patch = '@@ -3,2 +3,3 @@ class A\n ctx\n-old\n+new one\n+new two\n\\ No newline at end of file'
    expect(parsePatch(patch, 'src/a.ts', SHA1)).toEqual([
      { path: 'src/a.ts', line: 4, text: 'new one', commit: SHA1 },
      { path: 'src/a.ts', line: 5, text: 'new two', commit: SHA1 },
    ])
    expect(parsePatch('@@ -1 +1 @@\n-a\n+b', 'x')).toEqual([{ path: 'x', line: 1, text: 'b' }])
  })
})

describe('streaming and scanning', () => {
  it('the streaming parser gives the same lines whatever the chunking', async () => {
    const text = gitLog(generateGithubToken('gho'))
    const bytes = Buffer.from(text)
    async function* chunks(size: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
    }
    for (const size of [1, 7, 64, 100000]) {
      const lines = []
      for await (const l of parseUnifiedDiffStream(chunks(size))) lines.push(l)
      expect(lines).toEqual(parseUnifiedDiff(text))
    }
  })

  it('scans only added lines, with path, new-file line, column and commit', () => {
    const token = generateGithubToken('ghp')
    expect(scanUnifiedDiff(gitLog(token))).toEqual([
      {
        kind: 'github-classic-pat',
        issuer: 'github',
        confidence: 'high',
        secret: token,
        line: 2,
        column: 8,
        encoding: 'plain',
        path: 'config.yml',
        commit: SHA1,
      },
      {
        kind: 'github-classic-pat',
        issuer: 'github',
        confidence: 'high',
        secret: token,
        line: 11,
        column: 7,
        encoding: 'plain',
        path: 'new name.txt',
        commit: SHA2,
      },
    ])
  })

  it('DiffScanner over pieces agrees with scanAddedLines(parseUnifiedDiff) on a large diff', () => {
    const parts: string[] = []
    for (let c = 0; c < 60; c++) {
      parts.push(
        `commit ${c.toString(16).padStart(40, '0')}\n\n    msg\n\ndiff --git a/f${c} b/f${c}\n--- a/f${c}\n+++ b/f${c}\n@@ -1,300 +1,300 @@\n`,
      )
      for (let i = 0; i < 300; i++) {
        const token = i % 97 === c % 97 ? generateAdoLegacyPat() : ''
        const b64 = i % 89 === c % 89 ? Buffer.from(`:${generateGithubToken('ghu')}`).toString('base64') : ''
        parts.push(
          i % 3 === 0
            ? `-old line ${i} ${token}\n`
            : `${i % 3 === 1 ? '+' : ' '}line ${i} ${'x'.repeat(i % 50)} ${token} ${b64}\n`,
        )
        if (i % 3 === 0) parts.push(`+new line ${i}\n`)
      }
    }
    const text = parts.join('')
    const expected = scanAddedLines(parseUnifiedDiff(text))
    expect(expected.length).toBeGreaterThan(20)
    expect(expected.some((f) => f.encoding === 'base64')).toBe(true)
    expect(scanUnifiedDiff(text)).toEqual(expected)
    // The same through pieces cut at line ends, as the CLI streams it.
    for (const size of [4096, 65536]) {
      const scanner = new DiffScanner()
      const found = []
      let start = 0
      while (start < text.length) {
        let end = text.indexOf('\n', start + size)
        end = end === -1 ? text.length : end + 1
        found.push(...scanner.scan(text.slice(start, end)))
        start = end
      }
      expect(found).toEqual(expected)
    }
  })

  it('a removed token is not a finding; a diff marker does not shift base64 alignment', () => {
    const token = generateGithubToken('ghp')
    const b64 = Buffer.from(token).toString('base64')
    const diff = `--- a/x\n+++ b/x\n@@ -1 +1 @@\n-${token}\n+${b64}\n`
    expect(scanUnifiedDiff(diff)).toMatchObject([{ secret: token, line: 1, column: 1, encoding: 'base64' }])
  })
})
