/**
 * Adaptive Card building blocks. Every card is version 1.5 (what Teams renders for bot cards).
 * Our own texts may use the markdown subset Teams renders; text that a user typed, or that comes
 * from a Teams profile, only ever goes through `userText`/`userFacts`, which render it as plain
 * TextRuns: no markdown, no links, no formatting, whatever it contains.
 */
export type Element = Record<string, unknown> & { type: string };
export type Action = Record<string, unknown> & { type: string; title: string };
export interface Card {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: Element[];
  actions?: Action[];
  /** Teams: full width, and @mentions in the card's text (`<at>name</at>`, one entity each). */
  msteams?: { width: 'Full'; entities?: Array<{ type: 'mention'; text: string; mentioned: { id: string; name: string; type?: 'tag' } }> };
  refresh?: unknown;
  [key: string]: unknown;
}

export function card(body: Array<Element | false | '' | undefined | null>, actions: Action[] = []): Card {
  const c: Card = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: body.filter((e): e is Element => !!e),
    msteams: { width: 'Full' },
  };
  if (actions.length) c.actions = actions;
  return c;
}

export const heading = (text: string, size: 'Medium' | 'Large' = 'Medium'): Element => ({
  type: 'TextBlock',
  text,
  weight: 'Bolder',
  size,
  wrap: true,
  style: 'heading',
});

export const text = (
  value: string,
  opts: {
    subtle?: boolean;
    color?: 'Attention' | 'Warning' | 'Good' | 'Accent';
    weight?: 'Bolder';
    size?: 'Small' | 'Large';
    spacing?: 'None' | 'Small' | 'Medium' | 'Large';
  } = {},
): Element => ({
  type: 'TextBlock',
  text: value,
  wrap: true,
  ...(opts.subtle ? { isSubtle: true } : {}),
  ...(opts.color ? { color: opts.color } : {}),
  ...(opts.weight ? { weight: opts.weight } : {}),
  ...(opts.size ? { size: opts.size } : {}),
  ...(opts.spacing ? { spacing: opts.spacing } : {}),
});

// Bidi embeddings/overrides/isolates (can make text read differently from what is stored) and
// control characters other than tab and newline. Natural right-to-left text needs none of them.
const UNSAFE_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g;

/**
 * User text made inert for a TextRun. TextRuns get no markdown, but renderers still expand
 * {{DATE(…)}} and {{TIME(…)}} in them, and ${…} is template syntax: a zero-width space between
 * the characters breaks both without changing what the reader sees.
 */
export function plain(value: string): string {
  return value
    .replace(UNSAFE_CHARS, '')
    .replace(/\{(?=\{)/g, '{\u200B')
    .replace(/\$(?=\{)/g, '$\u200B');
}

/** The longest name or other Teams-supplied string a card shows (Teams allows 256 in a display name). */
export const TEAMS_TEXT_MAX = 80;

/**
 * A string Teams supplies (a display name, a channel name) as one plain line: `plain`, line breaks
 * and tabs made spaces, and cut to `max` characters (code points, so no emoji is split in half).
 * For a TextRun, where nothing is markdown.
 */
export function teamsText(value: string, max = TEAMS_TEXT_MAX): string {
  const line = plain(value)
    .replace(/[\t\r\n]+/g, ' ')
    .trim();
  const chars = [...line];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

/**
 * The same, for a place that renders markdown (a message's text, a TextBlock, a FactSet value):
 * emphasis, link, code and HTML characters escaped with a backslash (so `[text](url)` is no link
 * and `**` is not bold), a list or heading marker at the start escaped too, and a bare address
 * broken with a zero-width space so that Teams does not make it a link.
 */
export function markdownText(value: string, max = TEAMS_TEXT_MAX): string {
  return teamsText(value, max)
    .replace(/[\\`*_[\]<>~|]/g, '\\$&')
    .replace(/^[#>+-]/, '\\$&')
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/:\/\//g, ':\u200B//')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\u200B.`);
}

/** Text from a user or a profile: TextRuns are never markdown-processed, and `plain` does the rest. */
export const userText = (value: string, opts: { label?: string } = {}): Element => ({
  type: 'RichTextBlock',
  inlines: [
    ...(opts.label ? [{ type: 'TextRun', text: `${opts.label}: `, weight: 'Bolder' }] : []),
    { type: 'TextRun', text: plain(value) },
  ],
});

/** Label/value rows where the values may come from users (FactSet values render markdown). */
export function userFacts(rows: Array<[label: string, value: string | undefined]>): Element {
  return {
    type: 'Container',
    items: rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '').map(([label, value]) => userText(value, { label })),
  };
}

/** Label/value rows of our own texts only (references, dates, school names from the config). */
export const facts = (rows: Array<[string, string]>): Element => ({
  type: 'FactSet',
  facts: rows.map(([title, value]) => ({ title, value })),
});

export const container = (
  items: Array<Element | false | '' | undefined | null>,
  opts: { style?: 'emphasis' | 'attention' | 'warning' | 'good' | 'accent'; separator?: boolean; id?: string; visible?: boolean } = {},
): Element => ({
  type: 'Container',
  items: items.filter((e): e is Element => !!e),
  ...(opts.style ? { style: opts.style } : {}),
  ...(opts.separator ? { separator: true, spacing: 'Medium' } : {}),
  ...(opts.id ? { id: opts.id } : {}),
  ...(opts.visible === false ? { isVisible: false } : {}),
});

/**
 * Shows or hides parts of the card in place (no turn to the bot, nothing typed is lost). Inputs in a
 * hidden part are still sent with the card's buttons.
 */
export const toggle = (title: string, targets: string[]): Action => ({ type: 'Action.ToggleVisibility', title, targetElements: targets });

/** A button that opens a short card inside this one (Action.ShowCard): read without leaving the form. */
export const showCard = (title: string, body: Element[]): Action => ({
  type: 'Action.ShowCard',
  title,
  card: { type: 'AdaptiveCard', body },
});

/**
 * Universal Action (Action.Execute), with the verb also in `data` so the same button works as an
 * Action.Submit on a client that falls back.
 */
export function execute(
  title: string,
  verb: string,
  data: Record<string, unknown> = {},
  opts: { style?: 'positive' | 'destructive'; associatedInputs?: 'auto' | 'none' } = {},
): Action {
  return {
    type: 'Action.Execute',
    title,
    verb,
    data: { ...data, verb },
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.associatedInputs ? { associatedInputs: opts.associatedInputs } : {}),
  };
}

export const openUrl = (title: string, url: string): Action => ({ type: 'Action.OpenUrl', title, url });

export const actionSet = (actions: Action[]): Element => ({ type: 'ActionSet', actions });

interface InputCommon {
  id: string;
  label: string;
  isRequired?: boolean;
  errorMessage?: string;
  /** Server-side validation message, shown under the field. */
  error?: string;
}

function withError(input: Element, error: string | undefined): Element[] {
  return error ? [input, { type: 'TextBlock', text: error, color: 'Attention', wrap: true, spacing: 'None', size: 'Small' }] : [input];
}

export function textInput(
  o: InputCommon & { value?: string; placeholder?: string; multiline?: boolean; maxLength?: number; style?: 'Tel' | 'Email' | 'Text' },
): Element[] {
  return withError(
    {
      type: 'Input.Text',
      id: o.id,
      label: o.label,
      ...(o.value !== undefined && o.value !== '' ? { value: o.value } : {}),
      ...(o.placeholder ? { placeholder: o.placeholder } : {}),
      ...(o.multiline ? { isMultiline: true } : {}),
      ...(o.maxLength ? { maxLength: o.maxLength } : {}),
      ...(o.style ? { style: o.style } : {}),
      ...(o.isRequired ? { isRequired: true, errorMessage: o.errorMessage ?? o.label } : {}),
    },
    o.error,
  );
}

export function choiceInput(
  o: InputCommon & { choices: Array<[title: string, value: string]>; value?: string; expanded?: boolean; multi?: boolean },
): Element[] {
  return withError(
    {
      type: 'Input.ChoiceSet',
      id: o.id,
      label: o.label,
      choices: o.choices.map(([title, value]) => ({ title, value })),
      ...(o.value ? { value: o.value } : {}),
      style: o.expanded ? 'expanded' : 'compact',
      ...(o.multi ? { isMultiSelect: true } : {}),
      ...(o.isRequired ? { isRequired: true, errorMessage: o.errorMessage ?? o.label } : {}),
    },
    o.error,
  );
}

export function dateInput(o: InputCommon & { value?: string; min?: string; max?: string }): Element[] {
  return withError(
    {
      type: 'Input.Date',
      id: o.id,
      label: o.label,
      ...(o.value ? { value: o.value } : {}),
      ...(o.min ? { min: o.min } : {}),
      ...(o.max ? { max: o.max } : {}),
      ...(o.isRequired ? { isRequired: true, errorMessage: o.errorMessage ?? o.label } : {}),
    },
    o.error,
  );
}

export function toggleInput(o: InputCommon & { title: string; value?: boolean }): Element[] {
  return withError(
    {
      type: 'Input.Toggle',
      id: o.id,
      label: o.label,
      title: o.title,
      valueOn: 'true',
      valueOff: 'false',
      value: o.value ? 'true' : 'false',
    },
    o.error,
  );
}
