import { describe, expect, it } from 'vitest'
import { composeIncidentEmail } from '../../src/notify/message.js'
import { PUSHED_TEXT_MAX, pushedText } from '../../src/notify/pushed-text.js'
import { incidentInput } from './incident-input.js'

describe('pushedText', () => {
  it('turns line breaks, control characters and bidi overrides into single spaces', () => {
    expect(pushedText('a.env\r\n\r\nVisit\tnow\u0000\u001b[31m\u0085x\u2028y\u202ez\u2066')).toBe(
      'a.env Visit now [31m x y z',
    )
  })

  it('cuts a long value with an ellipsis, never inside a character', () => {
    expect(pushedText('x'.repeat(1000))).toBe(`${'x'.repeat(PUSHED_TEXT_MAX - 1)}…`)
    const cut = pushedText('😀'.repeat(20), 10)
    expect(Array.from(cut)).toHaveLength(10)
    expect(cut.endsWith('😀…')).toBe(true)
  })
})

describe('pushed strings in the email', () => {
  it('keep every location fact on one line, and long paths cut, in both parts', () => {
    const { input } = incidentInput()
    const place = input.locations[0]!
    const email = composeIncidentEmail({
      ...input,
      locations: [
        {
          ...place,
          repository: 'contoso/api\n\nVisit http://evil.example/reset',
          branch: 'refs/heads/main\r\nPaste your token',
          path: `config/${'deep/'.repeat(200)}\n\nVisit http://evil.example/reset and paste your new token\n.env`,
        },
      ],
    })
    const lines = email.text.split('\n')
    expect(
      lines.filter((l) => /Visit|Paste/.test(l)).every((l) => /^ {2}(repository|branch|file|line): /.test(l)),
    ).toBe(true)
    const file = lines.find((l) => l.startsWith('  file: '))!
    expect(file.replace(/ <[^>]*>$/, '').length).toBeLessThanOrEqual('  file: '.length + PUSHED_TEXT_MAX)
    expect(email.html).not.toMatch(/Visit http:\/\/evil\.example\/reset and paste[^<]*\n/)
  })
})
