/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received" → post card): a `message`
 * with one Adaptive Card attachment (version 1.4, which Teams renders): a headline, a FactSet with what leaked,
 * where and what patrol did, and an Action.OpenUrl to the incident. TextBlocks render a subset of Markdown, so
 * values from a push have their Markdown characters escaped.
 *
 * @example
 * const teams = teamsNotifier({ id: 'teams', url: 'https://….powerplatform.com/…', events: ['response.failed'] }, {})
 * await teams.send({ event, facts, id: event.delivery })
 */
import type { ChannelSettings } from '../config.js'
import type { IncidentEvent } from './channel-event.js'
import { headline, waitingText, whatPatrolDid } from './channel-text.js'
import { type Notifier, type NotifierOptions, postJson } from './notifier.js'

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive'

export function teamsNotifier(settings: ChannelSettings, o: NotifierOptions): Notifier {
  return {
    channel: 'teams',
    events: settings.events,
    send: (m) => postJson('teams', settings.url, JSON.stringify(teamsMessage(m.event)), {}, o),
  }
}

/** Backslash before the characters Teams' Markdown gives meaning to, so a file name cannot become a link. */
export function markdownEscape(value: string): string {
  return value.replace(/[\\`*_[\]()#<>!~|-]/g, (c) => `\\${c}`)
}

export function teamsMessage(e: IncidentEvent) {
  const facts = [
    { title: 'What', value: `${e.incident.kindLabel} ${e.incident.preview}` },
    {
      title: 'Status',
      value: `${e.incident.statusLabel}${e.incident.mayBeLive ? ' (the token may still work)' : ''}`,
    },
    { title: 'What patrol did', value: whatPatrolDid(e) },
    ...(e.waiting ? [{ title: 'Waiting for', value: waitingText(e)! }] : []),
    ...e.locations
      .slice(0, 3)
      .flatMap((l) => [
        { title: 'Where', value: `${l.repository} ${l.line ? `${l.path}:${l.line}` : l.path}` },
        ...(l.commit ? [{ title: 'Commit', value: `${l.commit}${l.author ? ` by ${l.author}` : ''}` }] : []),
      ]),
    { title: 'Incident', value: `${e.incident.id}, first seen ${e.incident.firstSeenAt}` },
  ].map((f) => ({ title: f.title, value: markdownEscape(f.value) }))
  const first = e.locations[0]?.links
  const actions = [
    ...(e.incident.url ? [{ type: 'Action.OpenUrl', title: 'Open the incident', url: e.incident.url }] : []),
    ...(first?.file ? [{ type: 'Action.OpenUrl', title: 'Open the file', url: first.file }] : []),
  ]
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: markdownEscape(headline(e)),
              weight: 'Bolder',
              size: 'Medium',
              wrap: true,
              ...(e.incident.mayBeLive ? { color: 'Attention' } : {}),
            },
            { type: 'FactSet', facts },
          ],
          ...(actions.length ? { actions } : {}),
        },
      },
    ],
  }
}
