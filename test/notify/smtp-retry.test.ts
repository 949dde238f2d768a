/**
 * The SMTP mailer's retries inside one send: a failure the server cannot have accepted (a 4xx reply, a connection
 * that never reached the greeting) is tried again at once, a few times; a connection lost after the message was
 * handed over is not, so that no message is ever sent twice by the mailer itself.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { SMTP_RETRY, SmtpMailer } from '../../src/adapter/node/smtp.js'
import type { MailMessage } from '../../src/notify/mailer.js'
import { rejection } from '../support/remote-rejection.js'
import { type SmtpStandIn, startSmtpServer } from '../support/smtp.js'

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const message: MailMessage = {
  from: 'patrol@contoso.example',
  to: ['owner@contoso.example'],
  subject: 'hello',
  text: 'text',
  html: '<p>html</p>',
}

async function standIn(): Promise<SmtpStandIn> {
  const smtp = await startSmtpServer()
  closers.push(() => smtp.close())
  return smtp
}

function mailer(url: string, o: { timeoutMs?: number } = {}): { mailer: SmtpMailer; waits: number[] } {
  const waits: number[] = []
  const m = new SmtpMailer({
    url,
    timeoutMs: o.timeoutMs ?? 5_000,
    sleep: async (ms) => void waits.push(ms),
  })
  closers.push(() => m.close())
  return { mailer: m, waits }
}

/** A TCP server whose connection number `n` (from 1) is handled by `handle`; it returns its port. */
async function tcpServer(handle: (socket: Socket, n: number) => void): Promise<number> {
  const sockets = new Set<Socket>()
  let n = 0
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    handle(socket, ++n)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return (server.address() as { port: number }).port
}

/** Passes a connection through to the stand-in. */
function forward(socket: Socket, port: number): void {
  const upstream = connect(port, '127.0.0.1')
  upstream.on('error', () => socket.destroy())
  socket.on('close', () => upstream.destroy())
  socket.pipe(upstream).pipe(socket)
}

describe('SmtpMailer retries inside one send', () => {
  it('sends the message once when the server answered 451 to its recipient, then took it', async () => {
    const smtp = await standIn()
    smtp.replyNext('rcpt', 451, 'Greylisted, try again')
    const { mailer: m, waits } = mailer(smtp.url)
    await m.send(message)
    expect(smtp.messages).toHaveLength(1)
    expect(waits).toHaveLength(1)
    expect(waits[0]).toBeLessThanOrEqual(SMTP_RETRY.capMs)
  })

  it('sends the message again after a 451 at the end of DATA, which says it was not accepted, and it arrives once', async () => {
    const smtp = await standIn()
    smtp.replyNext('data', 451, 'Temporary local problem')
    const { mailer: m } = mailer(smtp.url)
    await m.send(message)
    expect(smtp.messages).toHaveLength(1)
  })

  it('tries again when the server never greeted (a greeting timeout), on a new connection', async () => {
    const smtp = await standIn()
    const port = await tcpServer((socket, n) => {
      if (n > 1) forward(socket, smtp.port)
      // The first connection is left silent: no greeting.
    })
    const { mailer: m } = mailer(smtp.url.replace(`:${smtp.port}`, `:${port}`), { timeoutMs: 300 })
    await m.send(message)
    expect(smtp.messages).toHaveLength(1)
  })

  it('gives up after its tries with a transient error, so the job queue retries later', async () => {
    let connections = 0
    const port = await tcpServer((socket) => {
      connections++
      socket.write('220 busy.example ESMTP\r\n')
      socket.on('data', (chunk) => {
        for (const line of chunk.toString('latin1').split('\r\n').filter(Boolean)) {
          if (/^(EHLO|HELO)/i.test(line)) socket.write('250 busy.example\r\n')
          else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n')
          else socket.write('451 4.3.0 Try again later\r\n')
        }
      })
    })
    const { mailer: m, waits } = mailer(`smtp://127.0.0.1:${port}`)
    const error = await rejection(m.send(message))
    expect(error).toMatchObject({ failure: 'transient', status: 451 })
    expect(connections).toBe(SMTP_RETRY.tries)
    expect(waits).toHaveLength(SMTP_RETRY.tries - 1)
  })

  it('does not retry a connection lost after the message was handed over, since the server may have taken it', async () => {
    let bodies = 0
    const port = await tcpServer((socket) => {
      socket.write('220 flaky.example ESMTP\r\n')
      let inData = false
      let buffered = ''
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1')
        if (inData) {
          if (!buffered.includes('\r\n.\r\n')) return
          // The whole message arrived; the connection drops before the 250 that would confirm it.
          bodies++
          socket.destroy()
          return
        }
        for (let i = buffered.indexOf('\r\n'); i >= 0 && !inData; i = buffered.indexOf('\r\n')) {
          const line = buffered.slice(0, i)
          buffered = buffered.slice(i + 2)
          if (/^(EHLO|HELO)/i.test(line)) socket.write('250 flaky.example\r\n')
          else if (/^DATA/i.test(line)) {
            inData = true
            socket.write('354 go ahead\r\n')
          } else socket.write('250 ok\r\n')
        }
      })
    })
    const { mailer: m, waits } = mailer(`smtp://127.0.0.1:${port}`)
    const error = await rejection(m.send(message))
    expect(error.retryable).toBe(true)
    expect(bodies).toBe(1)
    expect(waits).toEqual([])
  })
})
