import assert from 'node:assert/strict';

/**
 * Where a card renders markdown or expands anything: TextBlock text, FactSet titles and values,
 * button titles, choice and toggle titles. Text a user typed may appear only in a TextRun (plain)
 * or an input's value (edited, not rendered) or in action data (never shown).
 */
export function renderedFields(node: unknown, path = '$'): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const visit = (n: unknown, p: string): void => {
    if (Array.isArray(n)) return n.forEach((x, i) => visit(x, `${p}[${i}]`));
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    const type = typeof o.type === 'string' ? o.type : '';
    if (type === 'TextBlock' && typeof o.text === 'string') out.push({ path: `${p}.text`, text: o.text });
    if (type === 'FactSet' && Array.isArray(o.facts))
      (o.facts as Array<{ title?: unknown; value?: unknown }>).forEach((f, i) =>
        out.push({ path: `${p}.facts[${i}]`, text: `${String(f.title)}\n${String(f.value)}` }),
      );
    if (type.startsWith('Action.') && typeof o.title === 'string') out.push({ path: `${p}.title`, text: o.title });
    if (type === 'Input.Toggle' && typeof o.title === 'string') out.push({ path: `${p}.title`, text: o.title });
    if (type === 'Input.ChoiceSet' && Array.isArray(o.choices))
      (o.choices as Array<{ title?: unknown }>).forEach((c, i) => out.push({ path: `${p}.choices[${i}]`, text: String(c.title) }));
    if (typeof o.placeholder === 'string') out.push({ path: `${p}.placeholder`, text: o.placeholder });
    if (typeof o.label === 'string') out.push({ path: `${p}.label`, text: o.label });
    for (const [k, v] of Object.entries(o)) if (k !== 'data' && k !== 'value') visit(v, `${p}.${k}`);
  };
  visit(node, path);
  return out;
}

/** Every TextRun's text in a card. */
export function textRuns(node: unknown): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'TextRun' && typeof o.text === 'string') out.push(o.text);
    Object.values(o).forEach(visit);
  };
  visit(node);
  return out;
}

const TEMPLATE = /\{\{(DATE|TIME)\(|\$\{/;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * Asserts that no text a user typed (`needles`) reached a field that renders markdown, and that
 * no TextRun carries template syntax or bidi controls. Needles shorter than 6 characters are
 * ignored (they match our own words by chance).
 */
export function assertInert(card: unknown, needles: string[]): void {
  const long = needles.filter((n) => n.trim().length >= 6);
  for (const { path, text } of renderedFields(card))
    for (const needle of long)
      assert.ok(!text.includes(needle), `user text reached a rendered field ${path}: ${JSON.stringify(needle).slice(0, 60)}`);
  for (const run of textRuns(card)) {
    assert.doesNotMatch(run, TEMPLATE, 'template syntax in a TextRun');
    assert.doesNotMatch(run, BIDI, 'bidi control in a TextRun');
  }
}
