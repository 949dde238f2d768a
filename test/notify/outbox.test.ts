import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simpleParser } from 'mailparser'
import { afterEach, describe, expect, it } from 'vitest'
import { OutboxMailer, outboxFileName } from '../../src/adapter/node/outbox.js'
import { composeIncidentEmail } from '../../src/notify/message.js'
import { incidentInput } from './incident-input.js'

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-outbox-'))
  folders.push(dir)
  return dir
}

describe('OutboxMailer', () => {
  it('writes each message as a parseable .eml file in <dataDir>/outbox, creating the folder', async () => {
    const outbox = join(dataDir(), 'outbox')
    const mailer = new OutboxMailer({ dir: outbox })
    const { token, input } = incidentInput()
    const email = composeIncidentEmail(input)
    const sent = await mailer.send({
      from: 'patrol@contoso.example',
      to: ['dev@contoso.example'],
      cc: ['security@contoso.example'],
      ...email,
      messageId: '<incident-42.dev@patrol.contoso.example>',
    })
    expect(sent.messageId).toBe('<incident-42.dev@patrol.contoso.example>')
    const files = readdirSync(outbox)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^\d{8}T\d{9}Z-\d{6}-[0-9a-f]{8}\.eml$/)
    expect(join(outbox, files[0]!)).toBe(sent.file)

    const raw = readFileSync(sent.file, 'utf8')
    expect(raw).toContain('\r\n')
    expect(raw).not.toContain(token)
    const parsed = await simpleParser(raw)
    expect(parsed.subject).toBe(email.subject)
    expect(parsed.messageId).toBe('<incident-42.dev@patrol.contoso.example>')
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to
    expect(to?.value.map((v) => v.address)).toEqual(['dev@contoso.example'])
    const cc = Array.isArray(parsed.cc) ? parsed.cc[0] : parsed.cc
    expect(cc?.value.map((v) => v.address)).toEqual(['security@contoso.example'])
    expect(parsed.text).toContain('https://patrol.contoso.example/admin/incidents/42')
    expect(parsed.html).toContain('href="https://patrol.contoso.example/admin/incidents/42"')
  })

  it('gives every message its own file, in sending order, leaving no temporary files', async () => {
    const outbox = join(dataDir(), 'outbox')
    const mailer = new OutboxMailer({ dir: outbox })
    const subjects = Array.from({ length: 5 }, (_, i) => `message ${i}`)
    for (const subject of subjects)
      await mailer.send({
        from: 'patrol@contoso.example',
        to: ['a@contoso.example'],
        subject,
        text: subject,
        html: `<p>${subject}</p>`,
      })
    const files = readdirSync(outbox)
    expect(files).toHaveLength(5)
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true)
    const inOrder = await Promise.all(
      [...files].sort().map(async (f) => (await simpleParser(readFileSync(join(outbox, f)))).subject),
    )
    expect(inOrder).toEqual(subjects)
  })

  it('names files so that they sort by time and never collide', () => {
    const at = new Date('2026-03-01T12:05:06.789Z')
    const names = Array.from({ length: 100 }, () => outboxFileName(at))
    expect(new Set(names).size).toBe(100)
    expect(names[0]).toMatch(/^20260301T120506789Z-/)
    expect(outboxFileName(new Date('2026-03-01T12:05:06.790Z')) > names[99]!).toBe(true)
  })
})
