import names from './data/names-sv.json';

/**
 * The identifying-details guard for anonymous consultations (avidentifierad konsultation): before
 * a teacher's text leaves their 1:1 chat it is checked for what could identify the child or the
 * family. Strong patterns (personnummer and samordningsnummer, phone numbers, e-mail addresses,
 * long digit strings) are always removed; weaker ones (names, street addresses, postal codes)
 * are shown to the teacher, who edits or confirms. Pure functions: no I/O, no logging.
 */
export type PiiKind = 'personnummer' | 'phone' | 'email' | 'number' | 'address' | 'name' | 'place';
export const STRONG: ReadonlySet<PiiKind> = new Set<PiiKind>(['personnummer', 'phone', 'email', 'number']);

export interface PiiHit {
  kind: PiiKind;
  value: string;
  start: number;
  end: number;
}

export interface PiiCheck {
  /** The text with every strong hit replaced by `REMOVED`. */
  cleaned: string;
  /** Strong hits, removed from `cleaned`. */
  removed: PiiHit[];
  /** Weak hits, still in `cleaned`, for the teacher to edit or confirm (positions in `cleaned`). */
  flagged: PiiHit[];
}

export const REMOVED = '[borttaget]';

const lower = (s: string) => s.toLocaleLowerCase('sv-SE');
const FIRST = new Set(names.firstNames.map(lower));
const SUR = new Set(names.surnames.map(lower));
/** Names that are also everyday words ("Alla", "Bo", "Stig"): only flagged when not opening a sentence. */
const COMMON_WORDS = new Set(names.alsoCommonWords.map(lower));
/** Swedish surname endings: a capitalised word ending like this is very likely a surname. */
const SURNAME_ENDING = /(?:sson|son|dotter|berg|ström|qvist|kvist|gren|lund|holm|stedt|blad|bäck|dahl)$/u;
/** Places and institutions that share a surname's ending (Stockholm, Lund). */
const NOT_NAMES = new Set(names.notNames.map(lower));

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
const EMAIL_SPELLED = /[\p{L}\p{N}._%+-]+\s?[([{]at[)\]}]\s?[\p{L}\p{N}-]+(?:\s?(?:\.|[([{]dot[)\]}]|[([{]punkt[)\]}])\s?[\p{L}\p{N}-]+)+/giu;
// Any 10 to 12 digit run (a personnummer with a typo is still one).
const LONG_NUMBER = /(?<![\p{N}])\d{10,12}(?![\p{N}])/gu;
const STREET_SUFFIX = '(?:gatan|vägen|gränd|gränden|stigen|allén|allé|torget|torg|backen|backe|platsen|plan|leden|gata|väg|stig|liden|slingan|höjden|kroken|kullen|ängen|vången|udden|parken)';
// "Storgatan 12", "Ekbacksvägen 4B", "Lilla Nygatan 5 A", "Storgatan" (a street alone can identify a small place).
const STREET = new RegExp(`(?<![\\p{L}])(?:(?:Lilla|Stora|Norra|Södra|Östra|Västra|Gamla|Nya)\\s)?\\p{Lu}[\\p{Ll}]*${STREET_SUFFIX}(?:\\s\\d{1,4}(?:\\s?[A-Za-z](?![\\p{L}]))?)?(?![\\p{L}])`, 'gu');
// Postal code and town: "123 45 Exemplinge".
const POSTAL = /(?<![\p{N}])\d{3}\s?\d{2}\s+\p{Lu}\p{Ll}+/gu;
const WORD = /(?<![\p{L}\p{N}])\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?(?![\p{L}\p{N}])/gu;
// "KALLE": all capitals, flagged only when it is a known first name or surname.
const CAPS = /(?<![\p{L}\p{N}])\p{Lu}{3,}(?![\p{L}\p{N}])/gu;

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

function nameHits(text: string, extraNames: ReadonlySet<string>): PiiHit[] {
  const words = matches(WORD, text, 'name');
  const known = (w: string) => {
    const l = lower(w);
    const parts = l.split('-');
    const base = (p: string) => FIRST.has(p) || SUR.has(p) || extraNames.has(p) || (p.endsWith('s') && (FIRST.has(p.slice(0, -1)) || SUR.has(p.slice(0, -1)) || extraNames.has(p.slice(0, -1))));
    return parts.every(base) || parts.some((p) => FIRST.has(p) || extraNames.has(p));
  };
  const out: PiiHit[] = [];
  words.forEach((w, i) => {
    const atStart = isSentenceStart(text, w.start);
    const l = lower(w.value);
    let name = false;
    if (NOT_NAMES.has(l)) name = false;
    else if (known(w.value)) name = !(atStart && COMMON_WORDS.has(l));
    else if (!atStart && SURNAME_ENDING.test(l) && l.length > 4) name = true;
    else {
      // "Kalle Hemligsson": a capitalised word right after a known first name is its surname.
      const prev = words[i - 1];
      if (prev && /^\s+$/u.test(text.slice(prev.end, w.start)) && FIRST.has(lower(prev.value))) name = true;
    }
    if (name) out.push(w);
  });
  for (const w of matches(CAPS, text, 'name')) {
    const l = lower(w.value);
    if ((FIRST.has(l) || SUR.has(l) || extraNames.has(l)) && !COMMON_WORDS.has(l)) out.push(w);
  }
  return out;
}

/** Keeps the first of overlapping hits (strong ones are listed first). */
function withoutOverlaps(hits: PiiHit[]): PiiHit[] {
  const out: PiiHit[] = [];
  for (const h of hits) if (!out.some((o) => h.start < o.end && o.start < h.end)) out.push(h);
  return out.sort((a, b) => a.start - b.start);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words of a school's name that point it out ("Ekbackens skola" -> "Ekbacken"), for `places`. */
const GENERIC = new Set(['skola', 'skolan', 'förskola', 'förskolan', 'friskola', 'friskolan', 'grundskola', 'grundskolan', 'gymnasiet', 'gymnasieskola', 'gymnasieskolan', 'särskola', 'fritidshem']);
export function placeTerms(schoolName: string): string[] {
  return schoolName
    .split(/\s+/u)
    .filter((w) => w.length >= 5 && !GENERIC.has(lower(w)))
    .map((w) => (/s$/u.test(w) && w.length > 5 ? w.slice(0, -1) : w));
}

/**
 * Checks a consultation text. `extraNames` are further names to flag (the school's pupils, if a
 * municipality ever configures them); `places` are terms that would point out where the teacher
 * works (the school's name, when they chose not to show it).
 */
export function checkText(text: string, extraNames: Iterable<string> = [], places: Iterable<string> = []): PiiCheck {
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
  const placeHits = [...places].filter((p) => p.length >= 3).flatMap((p) => matches(new RegExp(`(?<![\\p{L}])${escape(p)}\\p{L}{0,3}(?![\\p{L}])`, 'giu'), cleaned, 'place'));
  const flagged = withoutOverlaps([...placeHits, ...matches(STREET, cleaned, 'address'), ...matches(POSTAL, cleaned, 'address'), ...nameHits(cleaned, extra)]).filter(
    (h) => !h.value.includes(REMOVED),
  );
  return { cleaned, removed, flagged };
}
