import { card, container, heading, teamsText, text, type Card, type Element } from './card';
import type { Strings } from './i18n';

export interface ChannelView {
  id: string;
  /** From Teams (typed by whoever named the channel); undefined for General. */
  name?: string;
}

/** What "värna status" found in a team channel. Ids only: no member of the team is listed. */
export interface StatusView {
  teamId: string;
  channelId: string;
  /** The team's other channels; undefined when Teams could not be asked. */
  otherChannels?: ChannelView[];
  /** The intake unit this team is configured as, with the channel ids the config names. */
  unit?: { name: string; reportsChannelId: string; consultationsChannelId: string };
  /** Whether Värna stored the team installation it needs for posts to the channels. */
  installationKnown: boolean;
}

/**
 * Ids are shown as monospace TextRuns: never markdown (an id with underscores would otherwise turn
 * italic), and easy to copy. Channel names come from Teams users, so they are TextRuns as well.
 */
const code = (value: string, label?: string): Element => ({
  type: 'RichTextBlock',
  inlines: [
    ...(label ? [{ type: 'TextRun', text: `${label}: `, weight: 'Bolder' }] : []),
    { type: 'TextRun', text: teamsText(value, 200), fontType: 'Monospace' },
  ],
});

const channelLine = (c: ChannelView, t: Strings): Element => ({
  type: 'RichTextBlock',
  inlines: [
    // Channel names and ids come from Teams: plain lines, capped (card.ts).
    { type: 'TextRun', text: `${c.name ? teamsText(c.name) : t.admin.general}: ` },
    { type: 'TextRun', text: teamsText(c.id, 200), fontType: 'Monospace' },
  ],
});

export function statusCard(view: StatusView, t: Strings): Card {
  const known = new Set([view.channelId, ...(view.otherChannels ?? []).map((c) => c.id)]);
  const configured = (label: string, id: string): Element => {
    const state =
      id === view.channelId
        ? t.admin.channelThis
        : view.otherChannels === undefined || known.has(id)
          ? t.admin.channelOk
          : t.admin.channelMissing;
    return {
      type: 'RichTextBlock',
      inlines: [
        { type: 'TextRun', text: `${label}: `, weight: 'Bolder' },
        { type: 'TextRun', text: id, fontType: 'Monospace' },
        { type: 'TextRun', text: ` (${state})`, ...(known.has(id) || view.otherChannels === undefined ? {} : { color: 'Attention' }) },
      ],
    };
  };
  const others = view.otherChannels;
  return card([
    heading(t.admin.statusTitle),
    text(t.admin.postingWorks, { color: 'Good' }),
    code(view.teamId, t.admin.teamId),
    code(view.channelId, t.admin.thisChannel),
    container(
      [
        text(t.admin.otherChannels, { weight: 'Bolder' }),
        ...(others === undefined
          ? [text(t.admin.channelsUnavailable, { color: 'Warning' })]
          : others.length
            ? others.map((c) => channelLine(c, t))
            : [text(t.admin.noOtherChannels, { subtle: true })]),
      ],
      { separator: true },
    ),
    container(
      view.unit
        ? [
            text(t.admin.unitFound(view.unit.name)),
            configured(t.admin.reportsChannel, view.unit.reportsChannelId),
            configured(t.admin.consultationsChannel, view.unit.consultationsChannelId),
          ]
        : [
            text(t.admin.unitMissing, { color: 'Warning' }),
            text(t.admin.snippet, { subtle: true }),
            code(`teamId: "${view.teamId}"`),
            code(`reportsChannelId: "${view.channelId}"`),
          ],
      { separator: true },
    ),
    !view.installationKnown && container([text(t.admin.installMissing)], { style: 'attention' }),
  ]);
}
