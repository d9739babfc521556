import assert from 'node:assert/strict';
import { z } from 'zod/v4';
// The package's lib/ is ESM without file extensions; its UMD bundle loads in Node.
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** What Teams renders in bot cards (schema 1.5). */
const ELEMENTS = new Set([
  'TextBlock',
  'RichTextBlock',
  'TextRun',
  'Image',
  'ImageSet',
  'Container',
  'ColumnSet',
  'Column',
  'FactSet',
  'ActionSet',
  'Table',
  'TableRow',
  'TableCell',
  'Input.Text',
  'Input.Number',
  'Input.Date',
  'Input.Time',
  'Input.Toggle',
  'Input.ChoiceSet',
]);

/**
 * Teams' chart elements (learn.microsoft.com, "Charts in Adaptive Cards"; property names as in
 * Teams' renderer, which the Agents Playground bundles). Other clients and the adaptivecards
 * library do not know them, so each must carry a `fallback` element that shows the same figures;
 * every plotted value is a finite number (a "<5" or ".." can never be one).
 */
const num = z.number().refine(Number.isFinite, 'a finite number');
const color = z.string().optional();
const point = z.object({ x: z.union([z.string().min(1), num]), y: num, color });
const slice = z.object({ legend: z.string().min(1), value: num, color });
const seriesOf = z.array(z.object({ legend: z.string().min(1), values: z.array(point).min(1), color })).min(1);
const base = { title: z.string().min(1), colorSet: z.string().optional(), fallback: z.object({ type: z.string() }).passthrough() };
const axes = { xAxisTitle: z.string().optional(), yAxisTitle: z.string().optional(), color };
const CHARTS: Record<string, z.ZodType> = {
  'Chart.VerticalBar': z.object({ ...base, ...axes, showBarValues: z.boolean().optional(), data: z.array(point).min(1) }),
  'Chart.HorizontalBar': z.object({
    ...base,
    ...axes,
    displayMode: z.enum(['AbsoluteWithAxis', 'AbsoluteNoAxis', 'PartToWhole']).optional(),
    data: z.array(point).min(1),
  }),
  'Chart.VerticalBar.Grouped': z.object({
    ...base,
    ...axes,
    stacked: z.boolean().optional(),
    showBarValues: z.boolean().optional(),
    data: seriesOf,
  }),
  'Chart.Line': z.object({ ...base, ...axes, yMin: num.optional(), yMax: num.optional(), data: seriesOf }),
  'Chart.HorizontalBar.Stacked': z.object({
    ...base,
    ...axes,
    data: z.array(z.object({ title: z.string(), data: z.array(slice).min(1) })).min(1),
  }),
  'Chart.Pie': z.object({ ...base, data: z.array(slice).min(1) }),
  'Chart.Donut': z.object({ ...base, data: z.array(slice).min(1) }),
  'Chart.Gauge': z.object({
    ...base,
    value: num,
    min: num.optional(),
    max: num.optional(),
    segments: z.array(z.object({ size: num, legend: z.string(), color })).optional(),
  }),
};

/** The card as a client without chart support shows it: every chart replaced by its fallback. */
function withoutCharts(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutCharts);
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (typeof o.type === 'string' && o.type.startsWith('Chart.')) return withoutCharts(o.fallback);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, withoutCharts(v)]));
}
const ACTIONS = new Set(['Action.Execute', 'Action.Submit', 'Action.OpenUrl', 'Action.ShowCard', 'Action.ToggleVisibility']);
export const MAX_CARD_BYTES = 28 * 1024;

function walk(node: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((v) => walk(v, visit));
  }
}

/**
 * The shared card check: parses with the adaptivecards library without warnings, version <= 1.5,
 * only elements Teams renders for bot cards, every input labelled, and small.
 */
export function checkCard(card: any): any {
  assert.equal(card?.type, 'AdaptiveCard', 'not an Adaptive Card');
  const version = Number(card.version);
  assert.ok(version > 0 && version <= 1.5, `card version ${card.version} > 1.5`);
  const bytes = Buffer.byteLength(JSON.stringify(card));
  assert.ok(bytes < MAX_CARD_BYTES, `card is ${bytes} bytes (aim < ${MAX_CARD_BYTES})`);
  walk(card.body ?? [], (o) => {
    if (typeof o.type !== 'string' || o.type === 'AdaptiveCard') return;
    if (o.type.startsWith('Action.')) assert.ok(ACTIONS.has(o.type), `action ${o.type} is not rendered by Teams`);
    else if (o.type.startsWith('Chart.')) {
      const schema = CHARTS[o.type];
      assert.ok(schema, `element ${o.type} is not a chart Teams renders`);
      const shape = schema.safeParse(o);
      assert.ok(shape.success, `${o.type}: ${shape.success ? '' : z.prettifyError(shape.error)}`);
      const fallback = o.fallback as { type: string };
      assert.ok(
        ELEMENTS.has(fallback.type),
        `${o.type} falls back to ${fallback.type}: a plain element must show its figures to clients without charts`,
      );
    } else assert.ok(ELEMENTS.has(o.type), `element ${o.type} is not rendered by Teams`);
    if (o.type.startsWith('Input.')) assert.ok(typeof o.label === 'string' && o.label.length > 0, `input ${String(o.id)} has no label`);
    if (o.type === 'Action.Execute') assert.ok(typeof o.verb === 'string', 'Action.Execute without verb');
  });
  for (const a of card.actions ?? []) assert.ok(ACTIONS.has(a.type), `action ${a.type} is not rendered by Teams`);
  assert.deepEqual(
    colourOnColour(card.body ?? []),
    [],
    'coloured text on a container of a colour style (unreadable in some themes): use the style with the default text colour, or the colour in a default container (issue 22 §4)',
  );
  // Parsed as a client without charts sees it (each chart's fallback in its place), without a warning.
  const parsed = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  parsed.parse(withoutCharts(card), ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) problems.push(ctx.getEventAt(i).message);
  assert.deepEqual(problems, [], `adaptivecards parse problems: ${problems.join('; ')}`);
  return card;
}

/**
 * Texts with a colour inside a container styled good, attention or warning: Teams draws such a
 * container in a light tint of that colour (a dark one in the dark theme), and the same colour on
 * it loses its contrast ("light green on light green"). Teams' own styles keep their contrast in the
 * light, dark and high-contrast themes when the text in them keeps its default colour.
 */
function colourOnColour(items: unknown, styled?: string): string[] {
  const out: string[] = [];
  const visit = (node: unknown, style: string | undefined): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, style));
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.ShowCard') return; // a card of its own, on the default background
    const own =
      typeof o.style === 'string' &&
      ['good', 'attention', 'warning'].includes(o.style) &&
      (o.type === 'Container' || o.type === 'ColumnSet' || o.type === 'Column')
        ? o.style
        : style;
    if ((o.type === 'TextBlock' || o.type === 'TextRun') && own && typeof o.color === 'string' && o.color !== 'Default')
      out.push(`${o.color} text "${String(o.text).slice(0, 40)}" on ${own}`);
    for (const [key, value] of Object.entries(o)) if (key !== 'fallback') visit(value, own);
  };
  visit(items, styled);
  return out;
}

/** Cards in an activity (or a connector call body). */
export function cardsOf(activity: any): any[] {
  const a = activity?.activity ?? activity;
  return (a?.attachments ?? []).filter((x: any) => x.contentType === 'application/vnd.microsoft.card.adaptive').map((x: any) => x.content);
}

/** All visible text of a card, activity or string, for assertions on meaning. */
export function textOf(thing: any): string {
  if (typeof thing === 'string') return thing;
  const out: string[] = [];
  const cards = thing?.type === 'AdaptiveCard' ? [thing] : cardsOf(thing);
  const a = thing?.activity ?? thing;
  if (typeof a?.text === 'string') out.push(a.text);
  for (const c of cards) {
    walk(c, (o) => {
      for (const key of ['text', 'title', 'label', 'value', 'placeholder', 'errorMessage'])
        if (typeof o[key] === 'string') out.push(o[key] as string);
      if (Array.isArray(o.facts)) for (const f of o.facts as Array<{ title: string; value: string }>) out.push(`${f.title} ${f.value}`);
    });
  }
  return out.join('\n');
}

/** The card's buttons: title, verb and data, anywhere in the card. */
export function actionsOf(card: any): Array<{ title: string; verb?: string; data?: any; type: string }> {
  const found: Array<{ title: string; verb?: string; data?: any; type: string }> = [];
  walk(card, (o) => {
    if (typeof o.type === 'string' && o.type.startsWith('Action.'))
      found.push({ title: String(o.title ?? ''), verb: o.verb as string | undefined, data: o.data, type: o.type });
  });
  return found;
}

export function inputsOf(card: any): Array<Record<string, any>> {
  const found: Array<Record<string, any>> = [];
  walk(card, (o) => {
    if (typeof o.type === 'string' && o.type.startsWith('Input.')) found.push(o);
  });
  return found;
}
