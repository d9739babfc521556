import names from './data/names-sv.json';

/**
 * The identifying-details guard for anonymous consultations (avidentifierad konsultation): before
 * a teacher's text leaves their 1:1 chat it is checked for what could identify the child or the
 * family. Strong patterns (personnummer and samordningsnummer, phone numbers, e-mail addresses,
 * long digit strings) are always removed; weaker ones (names, street addresses, postal codes)
 * are shown to the teacher, who edits or confirms. Pure functions: no I/O, no logging.
 */
export type PiiKind = 'personnummer' | 'phone' | 'email' | 'number' | 'address' | 'postalCode' | 'name' | 'place';
export const STRONG: ReadonlySet<PiiKind> = new Set<PiiKind>(['personnummer', 'phone', 'email', 'number']);
/** The weak kinds: replaced in what is sent, and the teacher may restore each one. */
export type WeakKind = 'address' | 'postalCode' | 'name' | 'place';

export interface PiiHit {
  kind: PiiKind;
  value: string;
  start: number;
  end: number;
}

export interface PiiCheck {
  /** The text (NFC, invisible characters dropped) with every strong hit replaced by `REMOVED`. */
  cleaned: string;
  /** Strong hits, removed from `cleaned`. */
  removed: PiiHit[];
  /** Weak hits, still in `cleaned` (positions in `cleaned`): `replaceFlagged` replaces them. */
  flagged: PiiHit[];
}

export const REMOVED = '[borttaget]';
/** What stands in for a weak hit in the text that is sent. Swedish: intake reads it. */
export const PLACEHOLDER: Record<WeakKind, string> = { name: '[namn]', address: '[adress]', postalCode: '[postnummer]', place: '[skolan]' };

const lower = (s: string) => s.toLocaleLowerCase('sv-SE');
/** "Björn" typed as "Bjorn": names are also known without their Swedish letters. */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '');
const withFolded = (list: string[]) => new Set(list.flatMap((n) => [lower(n), fold(lower(n))]));
const FIRST = withFolded(names.firstNames);
const SUR = withFolded(names.surnames);
/**
 * Names that are also everyday words ("Alla", "Bo", "Per", "Ask", "Mon"): a name when capitalised
 * inside a sentence; at a sentence start only when the same text uses it as a name elsewhere or a
 * name follows it ("Ask Hassan"); in lower case never (a word: "en ask", "per dag").
 */
const COMMON_WORDS = withFolded(names.alsoCommonWords);
/** Names that are ordinary words in lower case only ("klara", "karl", "jan"): a name when capitalised. */
const LOWER_WORDS = withFolded(names.alsoLowercaseWords);
/** Swedish surname endings: a capitalised word ending like this is very likely a surname. */
const SURNAME_ENDING = /(?:sson|son|dotter|berg|ström|qvist|kvist|gren|lund|holm|stedt|blad|bäck|dahl)$/u;
/** Places and institutions that share a surname's ending (Stockholm, Lund). */
const NOT_NAMES = withFolded(names.notNames);

// Personnummer and samordningsnummer: [CC]YYMMDD[-+ ]NNNN, with a plausible date (day + 60 for
// samordningsnummer). Not inside a longer digit run.
const PNR = /(?<![\p{N}+])((?:19|20)?)(\d{2})(\d{2})(\d{2})(\s?[-+]\s?|\s)?(\d{4})(?![\p{N}])/gu;
// Swedish phone numbers: +46 / 0046 / 0, then 6-11 more digits with spaces or dashes between.
// "(070) 174 06 50" and "+46 (0)70-174 06 50" too. Dots are not separators: "01.02.2026" is a date.
const PHONE = /(?<![\p{N}+])(?:\+\s?46|0046|\(?0)(?:\s?\(0\))?(?:(?:\s?[-–)]\s?|\s)?\d){6,11}(?![\p{N}])/gu;
// Other countries: "+44 20 7946 0958".
const FOREIGN_PHONE = /(?<![\p{N}+])(?:\+|00)[1-9]\d{0,2}(?:(?:\s?[-–]\s?|\s)?\(?\d\)?){6,12}(?![\p{N}])/gu;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// "anna(at)example.com", "anna [at] example [dot] com".
const EMAIL_SPELLED =
  /[\p{L}\p{N}._%+-]+\s?[([{]at[)\]}]\s?[\p{L}\p{N}-]+(?:\s?(?:\.|[([{]dot[)\]}]|[([{]punkt[)\]}])\s?[\p{L}\p{N}-]+)+/giu;
// Any 10 to 12 digit run (a personnummer with a typo is still one).
const LONG_NUMBER = /(?<![\p{N}])\d{10,12}(?![\p{N}])/gu;
const STREET_SUFFIX =
  '(?:gatan|vägen|gränd|gränden|stigen|allén|allé|torget|torg|backen|backe|platsen|plan|leden|gata|väg|stig|liden|slingan|höjden|kroken|kullen|ängen|vången|udden|parken)';
// "Storgatan 12", "Ekbacksvägen 4B", "Lilla Nygatan 5 A", "Storgatan" (a street alone can identify a small place).
const STREET = new RegExp(
  `(?<![\\p{L}])(?:(?:Lilla|Stora|Norra|Södra|Östra|Västra|Gamla|Nya)\\s)?\\p{Lu}[\\p{Ll}]*${STREET_SUFFIX}(?:\\s\\d{1,4}(?:\\s?[A-Za-z](?![\\p{L}]))?)?(?![\\p{L}])`,
  'gu',
);
// "storgatan 12" typed in lower case: only with a house number ("på hemvägen" is the way home),
// and not a count ("hemvägen 3 gånger").
const STREET_LOWER = new RegExp(
  `(?<![\\p{L}])\\p{Ll}{2,}${STREET_SUFFIX}\\s\\d{1,4}(?:\\s?[a-z](?![\\p{L}]))?(?![\\p{L}\\p{N}])(?!\\s*(?:gång|dag|veck|tim|min|månad|år|kr|st\\b|meter|km))`,
  'gu',
);
// Postal codes: "123 45" (the Swedish form: three digits, a space, two), "SE-123 45"; "12345"
// only before a town or after "postnummer". Not part of a longer group ("100 000").
const POSTAL = /(?<![\p{N}][\s.,]?)(?:SE-?\s?)?[1-9]\d{2}\s\d{2}(?![\p{N}]|[\s.,]\d)/gu;
const POSTAL_TOWN = /(?<![\p{N}])[1-9]\d{4}(?=\s+\p{Lu}\p{Ll}+)/gu;
const POSTAL_SAID = /(?<=post(?:nummer|nr|nr\.)\s?:?\s?)[1-9]\d{4}(?![\p{N}])/giu;
// Any word, in any case, with hyphenated parts ("Lill-Kalle", "mia-lotta").
const WORD = /(?<![\p{L}\p{N}])\p{L}+(?:-\p{L}+)*(?![\p{L}\p{N}])/gu;
// Characters that do not show but split a word for a pattern ("Ah\u200Bmed"), dropped first.
const INVISIBLE = /[\u00AD\u200B\u2060\uFEFF]/g;

function plausibleDate(mm: string, dd: string): boolean {
  const m = Number(mm);
  const d = Number(dd);
  return m >= 1 && m <= 12 && ((d >= 1 && d <= 31) || (d >= 61 && d <= 91));
}

function matches(re: RegExp, text: string, kind: PiiKind, keep: (m: RegExpExecArray) => boolean = () => true): PiiHit[] {
  const out: PiiHit[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (keep(m)) out.push({ kind, value: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

function strongHits(text: string): PiiHit[] {
  const pnr = matches(PNR, text, 'personnummer', (m) => {
    const [, century, , mm, dd, sep] = m;
    if (!plausibleDate(mm!, dd!)) return false;
    // "0701234567": ten digits, no separator, starting 07 is a mobile number first.
    return !(!century && !sep && /^07/.test(m[0]));
  });
  return [
    ...pnr,
    ...matches(EMAIL, text, 'email'),
    ...matches(EMAIL_SPELLED, text, 'email'),
    ...matches(PHONE, text, 'phone'),
    ...matches(FOREIGN_PHONE, text, 'phone'),
    ...matches(LONG_NUMBER, text, 'number'),
  ];
}

function isSentenceStart(text: string, index: number): boolean {
  const before = text.slice(0, index).trimEnd();
  return before === '' || /[.!?:\n"”»–-]$/u.test(before);
}

const inList = (set: ReadonlySet<string>, w: string) => set.has(w) || set.has(fold(w));

/**
 * Names, in any case. A capitalised known name is a name (at a sentence start too); a known name
 * typed in lower case ("ahmed", "fatima") is a name unless it is also an ordinary word ("per",
 * "klara", "hans"); in capitals ("KALLE") when it is not an everyday word. A possessive ("Ahmeds")
 * counts as its name. Names that are also everyday words: see COMMON_WORDS.
 */
function nameHits(text: string, extraNames: ReadonlySet<string>): PiiHit[] {
  const words = matches(WORD, text, 'name');
  const isName = (p: string) => inList(FIRST, p) || inList(SUR, p) || inList(extraNames, p);
  const baseOf = (p: string): string | undefined =>
    isName(p) ? p : p.length > 3 && p.endsWith('s') && isName(p.slice(0, -1)) ? p.slice(0, -1) : undefined;
  const adjacent = (a: PiiHit, b: PiiHit) => /^\s+$/u.test(text.slice(a.end, b.start));
  const hits = new Set<number>();
  const ambiguous: number[] = [];
  words.forEach((w, i) => {
    const l = lower(w.value);
    if (inList(NOT_NAMES, l) || (l.endsWith('s') && inList(NOT_NAMES, l.slice(0, -1)))) return;
    const parts = l.split('-');
    const bases = parts.map(baseOf);
    const knownAll = bases.every((b) => b !== undefined);
    const knownSome = parts.some((p) => inList(FIRST, p) || inList(extraNames, p));
    const single = parts.length === 1 ? bases[0] : undefined;
    const common = single !== undefined && inList(COMMON_WORDS, single) && !inList(extraNames, single);
    const lowerWord = single !== undefined && inList(LOWER_WORDS, single) && !inList(extraNames, single);
    const caps = w.value === w.value.toLocaleUpperCase('sv-SE');
    const lowerCase = w.value === l;
    if (caps) {
      if (w.value.length >= 3 && knownAll && !common) hits.add(i);
      return;
    }
    if (lowerCase) {
      if ((knownAll || (parts.length > 1 && knownSome)) && !common && !lowerWord) hits.add(i);
      else if (l.length >= 7 && l.endsWith('sson')) hits.add(i);
      return;
    }
    const atStart = isSentenceStart(text, w.start);
    if (knownAll || knownSome) {
      if (!common || !atStart) hits.add(i);
      else ambiguous.push(i);
      return;
    }
    if (!atStart && SURNAME_ENDING.test(l) && l.length > 4) hits.add(i);
    else {
      // "Kalle Hemligsson": a capitalised word right after a known first name is its surname.
      const prev = words[i - 1];
      if (prev && adjacent(prev, w) && inList(FIRST, lower(prev.value)) && !inList(COMMON_WORDS, lower(prev.value))) hits.add(i);
    }
  });
  // "Ask kom inte. Jag pratade med Ask." / "Ask Hassan kom inte." / "Elin Testbarn kom inte.": the
  // same word used as a name elsewhere, or a name or capitalised word right after it, makes a
  // sentence-opening everyday word a name too (and that capitalised word its surname).
  const asNames = new Set([...hits].map((i) => lower(words[i]!.value)));
  const capitalised = (w: string) => /^\p{Lu}\p{Ll}/u.test(w);
  for (const i of ambiguous) {
    const w = words[i]!;
    const next = words[i + 1];
    const followed = next !== undefined && adjacent(w, next) && (hits.has(i + 1) || capitalised(next.value));
    if (asNames.has(lower(w.value)) || followed) hits.add(i);
    if (followed) hits.add(i + 1);
  }
  return [...hits].sort((a, b) => a - b).map((i) => words[i]!);
}

/** Keeps the first of overlapping hits (strong ones are listed first). */
function withoutOverlaps(hits: PiiHit[]): PiiHit[] {
  const out: PiiHit[] = [];
  for (const h of hits) if (!out.some((o) => h.start < o.end && o.start < h.end)) out.push(h);
  return out.sort((a, b) => a.start - b.start);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words of a school's name that point it out ("Ekbackens skola" -> "Ekbacken"), for `places`. */
const GENERIC = new Set([
  'skola',
  'skolan',
  'förskola',
  'förskolan',
  'friskola',
  'friskolan',
  'grundskola',
  'grundskolan',
  'gymnasiet',
  'gymnasieskola',
  'gymnasieskolan',
  'särskola',
  'fritidshem',
]);
export function placeTerms(schoolName: string): string[] {
  return schoolName
    .split(/\s+/u)
    .filter((w) => w.length >= 5 && !GENERIC.has(lower(w)))
    .map((w) => (/s$/u.test(w) && w.length > 5 ? w.slice(0, -1) : w));
}

/**
 * Checks a consultation text. `extraNames` are further names to flag (the school's pupils, if a
 * municipality ever configures them); `places` are terms that would point out where the teacher
 * works (the school's name, when they chose not to show it). The text is taken in NFC with
 * invisible characters dropped, so "Åsa" typed with a combining ring and "Ah\u200Bmed" are found.
 */
export function checkText(input: string, extraNames: Iterable<string> = [], places: Iterable<string> = []): PiiCheck {
  const text = input.normalize('NFC').replace(INVISIBLE, '');
  const extra = new Set([...extraNames].map(lower));
  const removed = withoutOverlaps(strongHits(text));
  let cleaned = '';
  let at = 0;
  for (const h of removed) {
    cleaned += text.slice(at, h.start) + REMOVED;
    at = h.end;
  }
  cleaned += text.slice(at);
  // Weak hits are looked for in what is left, so their positions refer to the cleaned text.
  const placeHits = [...places]
    .filter((p) => p.length >= 3)
    .flatMap((p) => matches(new RegExp(`(?<![\\p{L}])${escape(p)}\\p{L}{0,3}(?![\\p{L}])`, 'giu'), cleaned, 'place'));
  const flagged = withoutOverlaps([
    ...placeHits,
    ...matches(STREET, cleaned, 'address'),
    ...matches(STREET_LOWER, cleaned, 'address'),
    ...matches(POSTAL, cleaned, 'postalCode'),
    ...matches(POSTAL_TOWN, cleaned, 'postalCode'),
    ...matches(POSTAL_SAID, cleaned, 'postalCode'),
    ...nameHits(cleaned, extra),
  ]).filter((h) => !h.value.includes(REMOVED));
  return { cleaned, removed, flagged };
}

/**
 * The text that is sent: every weak hit replaced by its placeholder ("[namn]"), except those the
 * teacher restored (`restored`: indexes into `flagged`).
 */
export function replaceFlagged(cleaned: string, flagged: readonly PiiHit[], restored: ReadonlySet<number> = new Set()): string {
  let out = '';
  let at = 0;
  flagged.forEach((h, i) => {
    if (restored.has(i) || STRONG.has(h.kind)) return;
    out += cleaned.slice(at, h.start) + PLACEHOLDER[h.kind as WeakKind];
    at = h.end;
  });
  return out + cleaned.slice(at);
}
