/**
 * Slack through an incoming webhook: one Block Kit message (a header, a section with what leaked and what patrol
 * did, fields for where, a button to the incident) with a plain `text` fallback for notifications. Slack's mrkdwn
 * treats `&`, `<` and `>` as markup, so every value is escaped; links are only the ones patrol built.
 *
 * @example
 * const slack = slackNotifier({ id: 'slack', url: 'https://hooks.slack.com/services/…', events: ['incident.new'] }, {})
 * await slack.send({ event, facts, id: event.delivery })
 */
import type { ChannelSettings } from '../config.js'
import type { IncidentEvent } from './channel-event.js'
import { headline, waitingText, whatPatrolDid } from './channel-text.js'
import { type Notifier, type NotifierOptions, postJson } from './notifier.js'

/** Slack's limits: header text 150 characters, a section's text 3000, a field 2000, at most 10 fields. */
const HEADER_MAX = 150
const FIELD_MAX = 2000

export function slackNotifier(settings: ChannelSettings, o: NotifierOptions): Notifier {
  return {
    channel: 'slack',
    events: settings.events,
    send: (m) => postJson('slack', settings.url, JSON.stringify(slackMessage(m.event)), {}, o),
  }
}

/** `&`, `<`, `>` → entities, as Slack asks of text in mrkdwn and plain_text alike. */
export function slackEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const cut = (v: string, max: number) => (v.length <= max ? v : `${v.slice(0, max - 1)}…`)
const link = (url: string | undefined, text: string) => (url ? `<${url}|${slackEscape(text)}>` : slackEscape(text))

export function slackMessage(e: IncidentEvent) {
  const title = headline(e)
  const fields = e.locations.slice(0, 3).flatMap((l) => [
    {
      type: 'mrkdwn',
      text: cut(
        `*Where*\n${link(l.links.repository, l.repository)}\n${link(l.links.file, l.line ? `${l.path}:${l.line}` : l.path)}`,
        FIELD_MAX,
      ),
    },
    {
      type: 'mrkdwn',
      text: cut(
        `*Commit*\n${l.commit ? link(l.links.commit, l.commit) : 'unknown'}${l.author ? `\nby ${slackEscape(l.author)}` : ''}`,
        FIELD_MAX,
      ),
    },
  ])
  return {
    text: cut(title, 300),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(title, HEADER_MAX), emoji: false } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: cut(
            [
              `*What:* ${slackEscape(e.incident.kindLabel)} \`${slackEscape(e.incident.preview)}\``,
              `*Status:* ${slackEscape(e.incident.statusLabel)}${e.incident.mayBeLive ? ' (the token may still work)' : ''}`,
              `*What patrol did:* ${slackEscape(whatPatrolDid(e))}`,
              ...(e.waiting ? [`*Waiting for:* ${slackEscape(waitingText(e)!)}`] : []),
            ].join('\n'),
            3000,
          ),
        },
        ...(fields.length ? { fields } : {}),
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Incident ${e.incident.id} · ${e.incident.occurrences} place${e.incident.occurrences === 1 ? '' : 's'} · first seen ${e.incident.firstSeenAt}`,
          },
        ],
      },
      ...(e.incident.url
        ? [
            {
              type: 'actions',
              elements: [
                { type: 'button', text: { type: 'plain_text', text: 'Open the incident' }, url: e.incident.url },
              ],
            },
          ]
        : []),
    ],
  }
}
