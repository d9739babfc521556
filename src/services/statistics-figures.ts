/**
 * The figures of the follow-up statistics as they are shown: which counts and which shares and
 * times there are, a table's shape, the printed ".." for what is not shown, and the Swedish headings
 * and definitions of the exports. Pure (no store, log or configuration): the statistics card and PDF
 * (src/cards/) take their values from here; the statistics service (statistics.ts) computes them.
 */

export type GroupBy = 'school' | 'district' | 'schoolType' | 'category';
export const groupBys: GroupBy[] = ['school', 'district', 'schoolType', 'category'];

/** Counts in the table, in column order (the roll-up's columns, stat-rollup.ts). Each is a cell that can be suppressed. */
export const countKeys = [
  'reports',
  'feedbackRequested',
  'feedbackGiven',
  'decisions',
  'opened',
  'notOpened',
  'alreadyOngoing',
  'decidedWithin14',
  'jointMeetings',
  'consultations',
  'consultReport',
  'consultNoReportNow',
  'consultOtherSupport',
  'consultNoOutcome',
  'ledToReport',
  // Issue 24 §2 (migration 0170): each its own family in the suppression pattern.
  'receiptConfirmed',
  'feedbackWithinWeek',
  'feedbackInappropriate',
  'protectionInTime',
  'reportsBeforeHoliday',
  'byPrincipal',
  'repeatReports',
  // Issue 24 §2 (migration 0171): two partitions of reports, each one family in the suppression
  // pattern (statistics.ts): the role groups (byPrincipal is the principals') and the weekday sent.
  'roleTeaching',
  'roleStudentHealth',
  'roleOther',
  'weekdayMon',
  'weekdayTue',
  'weekdayWed',
  'weekdayThu',
  'weekdayFri',
  'weekdayWeekend',
  'weekdayUnknown',
] as const;
export type CountKey = (typeof countKeys)[number];

/** Shares and times, shown only when what they rest on is shown (and at least 5 cases). */
export const derivedKeys = [
  'shareFeedbackRequested',
  'shareFeedbackGiven',
  'feedbackDaysMedian',
  'receiptHoursMedian',
  'receiptHoursP90',
  'protectionHoursMedian',
  'protectionHoursP90',
  'decisionDaysMedian',
  'decisionDaysP90',
  'shareWithin14',
  'firstAnswerHoursMedian',
  'shareLedToReport',
  // Issue 24 §2.
  'shareReceiptConfirmed',
  'shareFeedbackWithinWeek',
  'feedbackAfterDecisionDaysMedian',
  'shareFeedbackInappropriate',
  'shareProtectionInTime',
  'shareBeforeHoliday',
  'draftToSendHoursMedian',
  'draftToSendHoursP90',
  'shareByPrincipal',
  'childrenFirstTime',
  'reportsPer100Pupils',
  // Issue 24 §2 (0171): the share of each role group and weekday (the principals' is shareByPrincipal).
  'shareRoleTeaching',
  'shareRoleStudentHealth',
  'shareRoleOther',
  'shareWeekdayMon',
  'shareWeekdayTue',
  'shareWeekdayWed',
  'shareWeekdayThu',
  'shareWeekdayFri',
  'shareWeekdayWeekend',
] as const;
export type DerivedKey = (typeof derivedKeys)[number];

/** Who reports (issue 24 §2): the reporter's role groups, a partition of reports (the principals' is byPrincipal). */
export const roleKeys = ['byPrincipal', 'roleTeaching', 'roleStudentHealth', 'roleOther'] as const satisfies readonly CountKey[];
/** When staff report (issue 24 §2): the Stockholm weekday sent, a partition of reports (unknown: purged before 0171). */
export const weekdayKeys = [
  'weekdayMon',
  'weekdayTue',
  'weekdayWed',
  'weekdayThu',
  'weekdayFri',
  'weekdayWeekend',
  'weekdayUnknown',
] as const satisfies readonly CountKey[];
/** The share of reports of each part (none for weekdayUnknown: only the purged). */
export const shareOfPart = {
  byPrincipal: 'shareByPrincipal',
  roleTeaching: 'shareRoleTeaching',
  roleStudentHealth: 'shareRoleStudentHealth',
  roleOther: 'shareRoleOther',
  weekdayMon: 'shareWeekdayMon',
  weekdayTue: 'shareWeekdayTue',
  weekdayWed: 'shareWeekdayWed',
  weekdayThu: 'shareWeekdayThu',
  weekdayFri: 'shareWeekdayFri',
  weekdayWeekend: 'shareWeekdayWeekend',
} as const satisfies Partial<Record<CountKey, DerivedKey>>;

/**
 * A shown count, or why it is not shown: under 5, or hidden to protect another cell. The reason is
 * kept for the suppression and its audits; it is never printed (`show` gives ".." for both).
 */
export type CountCell = { n: number } | { suppressed: 'under5' | 'protects' };
export type DerivedCell = { value: number } | { hidden: true };

export interface StatRow {
  key: string;
  label: string;
  counts: Record<CountKey, CountCell>;
  derived: Record<DerivedKey, DerivedCell>;
}

export interface Statistics {
  from: string;
  /** Inclusive, YYYY-MM-DD (Stockholm dates). */
  to: string;
  groupBy: GroupBy;
  rows: StatRow[];
  total: StatRow;
  /** Annual-cycle tasks marked done per school in the terms the period touches (routines, not people: not suppressed). */
  cycle: Array<{ schoolId: string; label: string; done: number }>;
  generatedAt: string;
}

/**
 * The printed figure: the number, or ".." for every count not shown, whatever the reason. One mark
 * for all, as statistical offices print: "<5" beside ".." would tell at most 4 from at least 5, and on
 * overlapping periods or groupings that narrows a small count even when every figure is hidden.
 */
export const show = (c: CountCell): string => ('n' in c ? String(c.n) : '..');
export const showDerived = (c: DerivedCell, digits = 0): string => ('value' in c ? c.value.toFixed(digits) : '..');

/** What every role group's definition says of the partition, and the audits behind it. */
const rolePart =
  'En del av Anmälda per roll: rektor + lärare och annan pedagogisk personal + elevhälsan + annan eller okänd roll = anmälningar. Rollen anges fritt i anmälan och sorteras när anmälan skickas; Värna sparar bara rollgruppen, aldrig den angivna texten.';
const roleSeed = ' Granskning: Herrljunga 2018, Kinda 2015 (lämnas plikten över till rektor?).';
/** What every weekday's definition says of the partition, and the audits behind it. */
const dayPart =
  'En del av Anmälda per veckodag: måndag + tisdag + onsdag + torsdag + fredag + helg + okänd veckodag = anmälningar. Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till veckans eller terminens slut).';
const weekday = (day: string) => ({
  title: `Skickade på ${day}`,
  definition: `Anmälningar skickade en ${day} (svensk tid, då anmälan skickades). ${dayPart}`,
});

/** Column headings of the exports (Swedish: the committee's language), each with its definition. */
export const measures: Record<CountKey | DerivedKey, { title: string; definition: string }> = {
  reports: { title: 'Anmälningar', definition: 'Orosanmälningar mottagna under perioden (svensk tid).' },
  feedbackRequested: {
    title: 'Begärt återkoppling',
    definition: 'Anmälningar där anmälaren begärt återkoppling, vid anmälan eller senare.',
  },
  feedbackGiven: {
    title: 'Fått återkoppling om beslut',
    definition: 'Av dem som begärt återkoppling: återkoppling om beslut lämnad (SoL (2025:400) 19 kap. 6 §).',
  },
  decisions: { title: 'Beslut', definition: 'Anmälningar med beslut om att inleda utredning eller inte (20 kap. 2 §).' },
  opened: { title: 'Utredning inleds', definition: 'Beslut: utredning inleds.' },
  notOpened: { title: 'Utredning inleds inte', definition: 'Beslut: utredning inleds inte.' },
  alreadyOngoing: { title: 'Utredning pågår redan', definition: 'Beslut: utredning pågår redan.' },
  decidedWithin14: { title: 'Beslut inom 14 dagar', definition: 'Beslutsdatum högst 14 kalenderdagar efter mottagningsdagen.' },
  jointMeetings: {
    title: 'Erbjudna anmälningsmöten',
    definition:
      'Anmälningar där socialtjänsten erbjudit ett anmälningsmöte med barnet, vårdnadshavarna och anmälaren (SoL (2025:400) 19 kap. 5 §).',
  },
  consultations: { title: 'Konsultationer', definition: 'Anonyma konsultationer ställda under perioden.' },
  consultReport: { title: 'Konsultation: anmälan', definition: 'Avslutade med utfallet att anmälan görs.' },
  consultNoReportNow: { title: 'Konsultation: ingen anmälan nu', definition: 'Avslutade med utfallet ingen anmälan nu.' },
  consultOtherSupport: { title: 'Konsultation: annat stöd', definition: 'Avslutade med utfallet annat stöd.' },
  consultNoOutcome: { title: 'Konsultation: utan utfall', definition: 'Öppna eller avslutade utan angivet utfall.' },
  ledToReport: {
    title: 'Konsultation ledde till anmälan',
    definition:
      'Konsultationer där läraren skickade en anmälan som startats från konsultationen (räknas när anmälan skickas, inte när den påbörjas).',
  },
  receiptConfirmed: {
    title: 'Mottagande bekräftat till anmälaren',
    definition:
      'Anmälningar där mottagningen tagit ärendet, varvid anmälaren fått bekräftelse med handläggarens namn och telefon. Granskning: Herrljunga 2018 (bekräftelse "sker i vissa fall").',
  },
  feedbackWithinWeek: {
    title: 'Återkoppling inom en vecka från beslut',
    definition:
      'Av dem som fått återkoppling om beslut: lämnad högst 7 kalenderdagar (svensk tid) efter beslutsdatum (SoL (2025:400) 19 kap. 6 §). Räknas från beslutsdatum även när återkoppling begärts först efter beslutet. Granskning: Kinda 2015, Herrljunga 2018 (oklart om återkoppling ges).',
  },
  feedbackInappropriate: {
    title: 'Återkoppling olämplig',
    definition: 'Anmälningar med beslut där mottagningen markerat återkoppling som olämplig (19 kap. 6 §). Granskning: Kinda 2015.',
  },
  protectionInTime: {
    title: 'Skyddsbedömning i tid',
    definition:
      'Anmälningar där skyddsbedömning (20 kap. 1 §) gjorts senast den dag den skulle: samma kalenderdag som anmälan kom in, eller dagen efter om den kom efter mottagningens stängningstid; en akut anmälan samma dag (svensk tid). Granskning: Herrljunga 2018, Eksjö 2021.',
  },
  reportsBeforeHoliday: {
    title: 'Skickade inom 14 dagar före lov',
    definition:
      'Anmälningar skickade under de 14 kalenderdagarna före ett lovs första dag (sportlov, påsklov, sommarlov, höstlov, jullov enligt kommunens inställning schoolHolidays; anmälningar från före version 0170 enligt standardreglerna). Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till terminens slut).',
  },
  byPrincipal: {
    title: 'Anmälda av rektor',
    definition:
      'Anmälningar där anmälaren är rektor (rektor för en skola i Värna, eller angav rektor eller förskolechef som roll). Anmälningsplikten är personlig (19 kap. 1 §). Räknas för anmälningar skickade från version 0170. Granskning: Herrljunga 2018, Kinda 2015 (lämnas plikten över till rektor?).',
  },
  repeatReports: {
    title: 'Upprepade anmälningar',
    definition:
      'Anmälningar om ett barn som redan anmälts under de 12 månaderna före, enligt ett nyckelhashat personnummer (aldrig personnumret), bland de anmälningar Värna ännu har kvar (gallrade räknas inte). Barn utan personnummer räknas aldrig som upprepade. Granskning: Stockholm 2015.',
  },
  roleTeaching: {
    title: 'Anmälda av lärare och annan pedagogisk personal',
    definition: `Anmälningar där anmälaren angav en pedagogisk roll: lärare, förskollärare, fritidspedagog eller annan personal i fritidshem, barnskötare, elevassistent, resursperson, mentor, pedagog, vikarie m.fl. (rektor räknas som rektor, elevhälsans yrken som elevhälsan). ${rolePart} Räknas för anmälningar skickade från version 0171.${roleSeed}`,
  },
  roleStudentHealth: {
    title: 'Anmälda av elevhälsan',
    definition: `Anmälningar där anmälaren angav en roll i elevhälsan enligt skollagen (2010:800) 2 kap. 25 §: skolsköterska, skolläkare, kurator, psykolog, specialpedagog, speciallärare m.fl. ${rolePart} Räknas för anmälningar skickade från version 0171.${roleSeed}`,
  },
  roleOther: {
    title: 'Anmälda av annan eller okänd roll',
    definition: `Anmälningar där anmälarens roll varken är rektor, pedagogisk personal eller elevhälsan, eller inte är känd: hit räknas också anmälningar skickade före version 0171 som inte räknas som anmälda av rektor (för dem sparades ingen roll). ${rolePart}${roleSeed}`,
  },
  weekdayMon: weekday('måndag'),
  weekdayTue: weekday('tisdag'),
  weekdayWed: weekday('onsdag'),
  weekdayThu: weekday('torsdag'),
  weekdayFri: weekday('fredag'),
  weekdayWeekend: {
    title: 'Skickade på helg',
    definition: `Anmälningar skickade en lördag eller söndag (svensk tid; de två dagarna tillsammans: helganmälningarna är få, och var dag för sig skulle mest visas som ".."). ${dayPart}`,
  },
  weekdayUnknown: {
    title: 'Skickade okänd veckodag',
    definition: `Anmälningar som gallrats före version 0171: för dem sparades bara månaden, inte veckodagen. ${dayPart}`,
  },
  shareFeedbackRequested: { title: 'Andel begärt återkoppling (%)', definition: 'Begärt återkoppling / anmälningar.' },
  shareFeedbackGiven: { title: 'Andel fått återkoppling (%)', definition: 'Fått återkoppling om beslut / begärt återkoppling.' },
  feedbackDaysMedian: {
    title: 'Dagar till återkoppling (median)',
    definition: 'Kalenderdagar från mottagning till lämnad återkoppling, median. Upplösning: hela kalenderdagar, högst 365.',
  },
  receiptHoursMedian: {
    title: 'Timmar till mottagningsbekräftelse (median)',
    definition:
      'Timmar från mottagning till bekräftelse, median. Upplösning: hela timmar (avrundat nedåt) upp till en vecka, därefter hela dygn, högst 365 dygn.',
  },
  receiptHoursP90: { title: 'Timmar till mottagningsbekräftelse (90:e percentil)', definition: '90:e percentilen (närmaste rang).' },
  protectionHoursMedian: {
    title: 'Timmar till skyddsbedömning (median)',
    definition:
      'Timmar från mottagning till skyddsbedömning (20 kap. 1 §), median. Upplösning: hela timmar (avrundat nedåt) upp till en vecka, därefter hela dygn, högst 365 dygn.',
  },
  protectionHoursP90: { title: 'Timmar till skyddsbedömning (90:e percentil)', definition: '90:e percentilen (närmaste rang).' },
  decisionDaysMedian: {
    title: 'Dagar till beslut (median)',
    definition: 'Kalenderdagar från mottagning till beslutsdatum, median. Upplösning: hela kalenderdagar, högst 365.',
  },
  decisionDaysP90: { title: 'Dagar till beslut (90:e percentil)', definition: '90:e percentilen (närmaste rang).' },
  shareWithin14: { title: 'Andel beslut inom 14 dagar (%)', definition: 'Beslut inom 14 dagar / beslut.' },
  firstAnswerHoursMedian: {
    title: 'Timmar till första svar på konsultation (median)',
    definition:
      'Timmar från fråga till första svar, median. Upplösning: hela timmar (avrundat nedåt) upp till en vecka, därefter hela dygn, högst 365 dygn.',
  },
  shareLedToReport: { title: 'Andel konsultationer som ledde till anmälan (%)', definition: 'Ledde till anmälan / konsultationer.' },
  shareReceiptConfirmed: {
    title: 'Andel med mottagande bekräftat (%)',
    definition: 'Mottagande bekräftat / anmälningar. Tiden dit: Timmar till mottagningsbekräftelse. Granskning: Herrljunga 2018.',
  },
  shareFeedbackWithinWeek: {
    title: 'Andel återkoppling inom en vecka från beslut (%)',
    definition: 'Återkoppling inom en vecka från beslut / fått återkoppling om beslut. Granskning: Kinda 2015, Herrljunga 2018.',
  },
  feedbackAfterDecisionDaysMedian: {
    title: 'Dagar från beslut till återkoppling (median)',
    definition:
      'Kalenderdagar från beslutsdatum till lämnad återkoppling, median. Upplösning: hela kalenderdagar, högst 365. Granskning: Kinda 2015.',
  },
  shareFeedbackInappropriate: {
    title: 'Andel beslut med återkoppling olämplig (%)',
    definition: 'Återkoppling olämplig / beslut. Granskning: Kinda 2015.',
  },
  shareProtectionInTime: {
    title: 'Andel skyddsbedömningar i tid (%)',
    definition: 'Skyddsbedömning i tid / anmälningar. Granskning: Herrljunga 2018, Eksjö 2021.',
  },
  shareBeforeHoliday: {
    title: 'Andel skickade inom 14 dagar före lov (%)',
    definition: 'Skickade inom 14 dagar före lov / anmälningar. Granskning: Eksjö 2021, Herrljunga 2018.',
  },
  draftToSendHoursMedian: {
    title: 'Timmar från påbörjad till skickad anmälan (median)',
    definition:
      'Timmar från utkastets första steg till att anmälan skickades, median. Upplösning: hela timmar (avrundat nedåt) upp till en vecka, därefter hela dygn, högst 365 dygn. Räknas för anmälningar skickade från version 0170. Granskning: Eksjö 2021, Herrljunga 2018.',
  },
  draftToSendHoursP90: {
    title: 'Timmar från påbörjad till skickad anmälan (90:e percentil)',
    definition: '90:e percentilen (närmaste rang). Granskning: Eksjö 2021, Herrljunga 2018.',
  },
  shareByPrincipal: {
    title: 'Andel anmälda av rektor (%)',
    definition: 'Anmälda av rektor / anmälningar; resten är gjorda av annan personal. Granskning: Herrljunga 2018, Kinda 2015.',
  },
  childrenFirstTime: {
    title: 'Barn anmälda för första gången på 12 månader',
    definition:
      'Anmälningar minus upprepade anmälningar: barn anmälda för första gången på 12 månader (ett barn med flera anmälningar under perioden räknas en gång om anmälningarna ligger inom 12 månader från varandra). Visas när båda talen visas och det är minst 5. Granskning: Stockholm 2015.',
  },
  reportsPer100Pupils: {
    title: 'Anmälningar per 100 elever',
    definition:
      'Anmälningar under perioden / elever (enligt kommunens inställning pupils per skola) × 100. Visas bara när antalet anmälningar visas och elevantalet är känt för varje skola i raden. Granskning: Stockholm 2015.',
  },
  shareRoleTeaching: {
    title: 'Andel anmälda av lärare och annan pedagogisk personal (%)',
    definition:
      'Anmälda av lärare och annan pedagogisk personal / anmälningar. Granskning: Herrljunga 2018, Kinda 2015 (lämnas plikten över till rektor?).',
  },
  shareRoleStudentHealth: {
    title: 'Andel anmälda av elevhälsan (%)',
    definition: 'Anmälda av elevhälsan / anmälningar. Granskning: Herrljunga 2018, Kinda 2015 (lämnas plikten över till rektor?).',
  },
  shareRoleOther: {
    title: 'Andel anmälda av annan eller okänd roll (%)',
    definition:
      'Anmälda av annan eller okänd roll / anmälningar. Granskning: Herrljunga 2018, Kinda 2015 (lämnas plikten över till rektor?).',
  },
  shareWeekdayMon: {
    title: 'Andel skickade på måndag (%)',
    definition:
      'Skickade på måndag / anmälningar. Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till veckans eller terminens slut).',
  },
  shareWeekdayTue: {
    title: 'Andel skickade på tisdag (%)',
    definition:
      'Skickade på tisdag / anmälningar. Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till veckans eller terminens slut).',
  },
  shareWeekdayWed: {
    title: 'Andel skickade på onsdag (%)',
    definition:
      'Skickade på onsdag / anmälningar. Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till veckans eller terminens slut).',
  },
  shareWeekdayThu: {
    title: 'Andel skickade på torsdag (%)',
    definition:
      'Skickade på torsdag / anmälningar. Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till veckans eller terminens slut).',
  },
  shareWeekdayFri: {
    title: 'Andel skickade på fredag (%)',
    definition:
      'Skickade på fredag / anmälningar. Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till veckans eller terminens slut).',
  },
  shareWeekdayWeekend: {
    title: 'Andel skickade på helg (%)',
    definition:
      'Skickade på helg (lördag, söndag) / anmälningar. Granskning: Eksjö 2021, Herrljunga 2018 (anmälningar hålls inne till veckans eller terminens slut).',
  },
};

export const suppressionNote =
  '".." = visas inte: färre än 5 fall, eller dolt så att ett litet antal inte kan räknas fram ur andra siffror. Gäller antal, andelar och tider. Samma tal döljs i alla urval och perioder (hela månader), så att inget litet tal kan räknas fram genom att jämföra tabeller. Inga personuppgifter.';

const groupTitles = { school: 'Skola', district: 'Område', schoolType: 'Skoltyp', category: 'Kategori' } as const;

/** The table as rows of strings: the same suppressed cells as the card, never a hidden count. */
export function statisticsTable(stats: Statistics): string[][] {
  const head = [groupTitles[stats.groupBy], ...countKeys.map((k) => measures[k].title), ...derivedKeys.map((k) => measures[k].title)];
  const line = (label: string, r: Statistics['total']) => [
    label,
    ...countKeys.map((k) => show(r.counts[k])),
    ...derivedKeys.map((k) => showDerived(r.derived[k], 1)),
  ];
  return [head, ...stats.rows.map((r) => line(r.label, r)), line('Totalt', stats.total)];
}
