/**
 * Finds the provisions a text cites, in Swedish ("SoL (2025:400) 19 kap. 5–6 §§", "26 kap. 1 §
 * och 9 a §") and English ("ch. 19 ss. 5–6", "chapter 19, section 1"), as keys like "SoL 19:6" or
 * "OSL 26:9 a". The act is the one named just before the chapter; without one, the chapter tells
 * (these acts' chapters do not overlap: SoL 18–20, OSL 10/26/40, Skollagen 29); otherwise
 * "?". Used by tests/cards/legal-page.test.ts to hold docs/legal.md to what the texts cite.
 */
type Act = 'SoL' | 'OSL' | 'Skollagen';

const ACTS: Array<[RegExp, Act]> = [
  [/^(?:SoL|socialtjänstlag\w*|Social Services Act)$/i, 'SoL'],
  [/^(?:OSL|offentlighets- och sekretesslag\w*|Public Access to Information and Secrecy Act)$/i, 'OSL'],
  [/^(?:skollag\w*|Education Act)$/i, 'Skollagen'],
];
const BY_CHAPTER: Record<string, Act> = { 18: 'SoL', 19: 'SoL', 20: 'SoL', 10: 'OSL', 26: 'OSL', 40: 'OSL', 29: 'Skollagen' };

const SEC = String.raw`\d+(?: ?[a-z]\b)?`;
const TOKEN = new RegExp(
  [
    String.raw`(?<act>\bSoL\b|socialtjänstlag\w*|Social Services Act|\bOSL\b|offentlighets- och sekretesslag\w*|Public Access to Information and Secrecy Act|skollag\w*|Education Act)`,
    String.raw`(?<prop>\bprop\.)`,
    String.raw`(?:(?<chSv>\d+)\s*kap\.)`,
    String.raw`(?:\b(?:ch\.|chapter)\s*(?<chEn>\d+))`,
    String.raw`(?:(?<secSv>${SEC})(?:\s*[–-]\s*(?<secSvTo>${SEC}))?\s*§§?)`,
    String.raw`(?:\b(?:ss?\.|section)\s*(?<secEn>${SEC})(?:\s*[–-]\s*(?<secEnTo>${SEC}))?)`,
  ].join('|'),
  'gi',
);

const norm = (s: string) =>
  s
    .replace(/\s+/g, '')
    .replace(/^(\d+)([a-z])$/i, '$1 $2')
    .toLowerCase();

function expand(from: string, to: string | undefined): string[] {
  if (!to) return [norm(from)];
  const [a, b] = [Number(from), Number(to)];
  if (Number.isInteger(a) && Number.isInteger(b) && b >= a && b - a < 20) return Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
  return [norm(from), norm(to)];
}

export function citationsIn(text: string): string[] {
  const found: string[] = [];
  let act: Act | undefined;
  let lastWasAct = false;
  let chapter: { n: string; act: Act | '?' } | undefined;
  for (const m of text.matchAll(TOKEN)) {
    const g = m.groups!;
    if (g.act) {
      act = ACTS.find(([re]) => re.test(g.act!))?.[1];
      lastWasAct = true;
      chapter = undefined;
      continue;
    }
    if (g.prop) {
      // "prop. 2012/13:10 s. 60" is a page of the preparatory works, not a section.
      chapter = undefined;
      lastWasAct = false;
      continue;
    }
    const ch = g.chSv ?? g.chEn;
    if (ch) {
      chapter = { n: ch, act: (lastWasAct && act) || BY_CHAPTER[ch] || '?' };
      lastWasAct = false;
      continue;
    }
    lastWasAct = false;
    if (!chapter) continue;
    const sections = g.secSv ? expand(g.secSv, g.secSvTo) : expand(g.secEn!, g.secEnTo);
    for (const s of sections) found.push(`${chapter.act} ${chapter.n}:${s}`);
  }
  return [...new Set(found)];
}
