import PDFDocument from 'pdfkit';
import {
  countKeys,
  derivedKeys,
  measures,
  roleKeys,
  shareOfPart,
  show,
  showDerived,
  statisticsTable,
  suppressionNote,
  weekdayKeys,
  type CountCell,
  type CountKey,
  type DerivedCell,
  type DerivedKey,
  type Statistics,
} from '../services/statistics-figures';
import { strings } from './i18n';
import { groupLabel } from './statistics';

const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

/** The charts' colours (the PDF-to-PNG test looks for them in the rendered page). */
export const PDF_COLORS = { bar: '#2b6cb0', p90: '#dd6b20' } as const;
/** Rows of the per-group chart on page 1; the table on page 2 has every group. */
export const PDF_MAX_GROUP_BARS = 18;

const tableKeys: Array<CountKey | DerivedKey> = [...countKeys, ...derivedKeys];
const dec = (c: DerivedCell) => showDerived(c, 1).replace(/^(\d+)\.(\d)$/, '$1,$2');

/**
 * The committee report: dated, the period, headline figures, bar charts drawn as vectors (no
 * browser), the table, and the definition of every measure. Hidden cells get no bar, only "..".
 */
export function statisticsPdf(stats: Statistics, municipality: string): Promise<Buffer> {
  const t = strings('sv');
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 40,
    info: { Title: `Värna statistik ${stats.from} – ${stats.to}`, Producer: 'Värna' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('body', FONT);
  doc.registerFont('bold', BOLD);

  doc.font('bold').fontSize(18).text(`Uppföljning av samverkan skola–socialtjänst: ${municipality}`);
  doc
    .font('body')
    .fontSize(10)
    .text(`Period ${stats.from} – ${stats.to}. Skapad ${stats.generatedAt.slice(0, 10)}.`);
  doc.fontSize(9).fillColor('#555').text(suppressionNote).fillColor('black').moveDown(0.8);

  const tot = stats.total;
  const d = tot.derived;
  const both = (a: DerivedCell, b: DerivedCell) => `${dec(a)} / ${dec(b)}`;
  const headline: Array<[string, string]> = [
    ['Anmälningar', show(tot.counts.reports)],
    ['Andel som begärt återkoppling (%)', dec(d.shareFeedbackRequested)],
    [
      'Andel som fått återkoppling om beslut (%)',
      `${dec(d.shareFeedbackGiven)}, median ${dec(d.feedbackDaysMedian)} dagar efter mottagandet`,
    ],
    ['Timmar till mottagningsbekräftelse, median / 90:e percentil', both(d.receiptHoursMedian, d.receiptHoursP90)],
    ['Timmar till skyddsbedömning, median / 90:e percentil', both(d.protectionHoursMedian, d.protectionHoursP90)],
    ['Dagar till beslut om utredning, median / 90:e percentil', both(d.decisionDaysMedian, d.decisionDaysP90)],
    ['Andel beslut inom 14 dagar (%)', dec(d.shareWithin14)],
    ['Erbjudna anmälningsmöten', show(tot.counts.jointMeetings)],
    [
      'Konsultationer',
      `${show(tot.counts.consultations)}; första svar efter ${dec(d.firstAnswerHoursMedian)} timmar (median); ${dec(d.shareLedToReport)} % ledde till anmälan`,
    ],
  ];
  for (const [label, value] of headline) doc.font('bold').fontSize(9).text(`${label}: `, { continued: true }).font('body').text(value);

  /** The label cut to fit one line (a long school name must not run into the next bar). */
  const fit = (label: string, width: number) => {
    if (doc.widthOfString(label) <= width) return label;
    let s = label;
    while (s.length > 1 && doc.widthOfString(`${s}…`) > width) s = s.slice(0, -1);
    return `${s}…`;
  };
  type Bar = [label: string, value: CountCell | DerivedCell, color?: string];
  /** A horizontal bar chart; bars only for shown figures, ".." as grey text instead (small and protecting alike). */
  const chart = (title: string, bars: Bar[], x: number, y: number, width: number, note?: string) => {
    doc.font('bold').fontSize(11).text(title, x, y, { width });
    let yy = doc.y + 4;
    if (note) {
      doc.font('body').fontSize(8).fillColor('#555').text(note, x, yy, { width }).fillColor('black');
      yy = doc.y + 4;
    }
    const num = (c: CountCell | DerivedCell) => ('n' in c ? c.n : 'value' in c ? c.value : undefined);
    const max = Math.max(1, ...bars.map(([, c]) => num(c) ?? 0));
    const labelW = 170;
    for (const [label, c, color] of bars) {
      doc
        .font('body')
        .fontSize(8)
        .text(fit(label, labelW - 6), x, yy, { lineBreak: false });
      const n = num(c);
      if (n !== undefined) {
        const w = ((width - labelW - 40) * n) / max;
        doc
          .rect(x + labelW, yy, Math.max(1, w), 9)
          .fill(color ?? PDF_COLORS.bar)
          .fillColor('black');
        doc.text('n' in c ? String(n) : dec(c as DerivedCell), x + labelW + w + 4, yy, { lineBreak: false });
      } else
        doc
          .fillColor('#777')
          .text('n' in c || 'suppressed' in c ? show(c as CountCell) : '..', x + labelW, yy, { lineBreak: false })
          .fillColor('black');
      yy += 13;
    }
    return yy;
  };

  const top = doc.y + 12;
  const shownRows = stats.rows.slice(0, PDF_MAX_GROUP_BARS);
  const more = stats.rows.length - shownRows.length;
  const left = chart(
    `Anmälningar per ${t.statistics.groups[stats.groupBy].toLowerCase()}`,
    shownRows.map((r) => [groupLabel(r, stats.groupBy, t), r.counts.reports]),
    40,
    top,
    370,
    more > 0 ? `De ${PDF_MAX_GROUP_BARS} första av ${stats.rows.length}; alla finns i tabellen.` : undefined,
  );
  const mid = chart(
    'Beslut om utredning, efter utfall (alla grupper)',
    [
      ['Utredning inleds', tot.counts.opened],
      ['Inleds inte', tot.counts.notOpened],
      ['Pågår redan', tot.counts.alreadyOngoing],
    ],
    430,
    top,
    370,
  );
  const right = chart(
    'Tider: median (blå) och 90:e percentil (orange)',
    [
      ['Mottagning, median (tim.)', d.receiptHoursMedian],
      ['Mottagning, 90:e pct (tim.)', d.receiptHoursP90, PDF_COLORS.p90],
      ['Skyddsbedömning, median (tim.)', d.protectionHoursMedian],
      ['Skyddsbedömning, 90:e pct (tim.)', d.protectionHoursP90, PDF_COLORS.p90],
    ],
    430,
    mid + 10,
    370,
  );
  const days = chart(
    'Dagar till beslut om utredning',
    [
      ['Median', d.decisionDaysMedian],
      ['90:e percentil', d.decisionDaysP90, PDF_COLORS.p90],
    ],
    430,
    right + 10,
    370,
  );
  doc.y = Math.max(left, days) + 10;
  doc.x = 40;

  // Issue 24 §2: the measures the audits asked for, each naming its audit in the definitions below.
  doc.addPage();
  doc.font('bold').fontSize(13).text('Granskningarnas mått (Herrljunga, Eksjö, Kinda, Stockholm)');
  const c = tot.counts;
  const weekdayParts = weekdayKeys.filter((k): k is Exclude<typeof k, 'weekdayUnknown'> => k !== 'weekdayUnknown');
  const followUp: Array<[string, string]> = [
    [
      'Mottagande bekräftat till anmälaren',
      `${show(c.receiptConfirmed)} (${dec(d.shareReceiptConfirmed)} %); timmar dit, median / 90:e percentil ${both(d.receiptHoursMedian, d.receiptHoursP90)} (Herrljunga)`,
    ],
    [
      'Återkoppling inom en vecka från beslut',
      `${show(c.feedbackWithinWeek)} (${dec(d.shareFeedbackWithinWeek)} % av lämnad återkoppling); median ${dec(d.feedbackAfterDecisionDaysMedian)} dagar från beslut (Kinda, Herrljunga)`,
    ],
    ['Återkoppling olämplig', `${show(c.feedbackInappropriate)} (${dec(d.shareFeedbackInappropriate)} % av besluten) (Kinda)`],
    ['Skyddsbedömning i tid', `${show(c.protectionInTime)} (${dec(d.shareProtectionInTime)} %) (Herrljunga, Eksjö)`],
    [
      'Skickade inom 14 dagar före lov',
      `${show(c.reportsBeforeHoliday)} (${dec(d.shareBeforeHoliday)} %); timmar från påbörjad till skickad, median / 90:e percentil ${both(d.draftToSendHoursMedian, d.draftToSendHoursP90)} (Eksjö, Herrljunga)`,
    ],
    ['Anmälda av rektor', `${show(c.byPrincipal)} (${dec(d.shareByPrincipal)} %; resten av annan personal) (Herrljunga, Kinda)`],
    [
      'Anmälda per roll: rektor / lärare och annan pedagogisk personal / elevhälsan / annan eller okänd roll',
      `${roleKeys.map((k) => `${show(c[k])} (${dec(d[shareOfPart[k]])} %)`).join(' / ')} (Herrljunga, Kinda)`,
    ],
    [
      'Anmälda per veckodag: måndag / tisdag / onsdag / torsdag / fredag / helg',
      `${weekdayParts.map((k) => `${show(c[k])} (${dec(d[shareOfPart[k]])} %)`).join(' / ')}; okänd veckodag (gallrade före version 0171) ${show(c.weekdayUnknown)} (Eksjö, Herrljunga)`,
    ],
    [
      'Upprepade anmälningar',
      `${show(c.repeatReports)}; barn anmälda för första gången på 12 månader ${showDerived(d.childrenFirstTime, 0)}; anmälningar per 100 elever ${dec(d.reportsPer100Pupils)} (Stockholm)`,
    ],
  ];
  for (const [label, value] of followUp) doc.font('bold').fontSize(9).text(`${label}: `, { continued: true }).font('body').text(value);
  // Shares on the left; who reports and when, in counts, on the right (issue 24 §2).
  const sharesTop = doc.y + 10;
  const sharesEnd = chart(
    'Andel av anmälningarna (%)',
    [
      ['Mottagande bekräftat', d.shareReceiptConfirmed],
      ['Skyddsbedömning i tid', d.shareProtectionInTime],
      ['Skickade inom 14 dagar före lov', d.shareBeforeHoliday],
      ['Anmälda av rektor', d.shareByPrincipal],
    ],
    40,
    sharesTop,
    370,
  );
  const ch = t.statistics.charts;
  const rolesEnd = chart(
    'Anmälda per roll (antal)',
    roleKeys.map((k): Bar => [ch.roles[k], c[k]]),
    430,
    sharesTop,
    370,
  );
  const weekdaysEnd = chart(
    'Anmälda per veckodag (antal)',
    weekdayParts.map((k): Bar => [ch.weekdays[k], c[k]]),
    430,
    rolesEnd + 10,
    370,
  );
  doc.y = Math.max(sharesEnd, weekdaysEnd) + 10;
  doc.x = 40;

  const table = statisticsTable(stats);
  /** A table of the chosen measures (by key: the export's column order may grow). */
  const printTable = (title: string, keys: Array<CountKey | DerivedKey>) => {
    doc.font('bold').fontSize(13).text(title);
    const cols = [0, ...keys.map((k) => 1 + tableKeys.indexOf(k))];
    for (const [i, line] of table.entries()) {
      if (doc.y > doc.page.height - 60) doc.addPage();
      const cells = cols.map((col) => line[col] ?? '');
      doc.font(i === 0 || i === table.length - 1 ? 'bold' : 'body').fontSize(7);
      const y = doc.y;
      cells.forEach((v, j) =>
        doc.text(j === 0 ? fit(v, 122) : v, 40 + (j === 0 ? 0 : 130 + (j - 1) * 60), y, { width: j === 0 ? 126 : 56, lineBreak: i === 0 }),
      );
      // The heading row as tall as its longest wrapped title.
      doc.y = y + (i === 0 ? Math.max(34, ...cells.slice(1).map((v) => doc.heightOfString(v, { width: 56 }) + 4)) : 12);
    }
    doc.x = 40;
    doc.moveDown(1);
  };
  printTable('Tabell', [
    'reports',
    'feedbackRequested',
    'feedbackGiven',
    'decisions',
    'opened',
    'decidedWithin14',
    'jointMeetings',
    'consultations',
    'shareFeedbackGiven',
    'decisionDaysMedian',
    'shareWithin14',
  ]);
  printTable('Tabell: granskningarnas mått', [
    'shareReceiptConfirmed',
    'shareFeedbackWithinWeek',
    'shareFeedbackInappropriate',
    'shareProtectionInTime',
    'shareBeforeHoliday',
    'draftToSendHoursMedian',
    'shareByPrincipal',
    'repeatReports',
    'childrenFirstTime',
    'reportsPer100Pupils',
    'feedbackAfterDecisionDaysMedian',
  ]);
  printTable('Tabell: anmälda per roll', ['reports', ...roleKeys, ...roleKeys.map((k) => shareOfPart[k])]);
  printTable('Tabell: anmälda per veckodag', ['reports', ...weekdayKeys]);
  doc.font('bold').fontSize(13).text('Definitioner');
  for (const m of Object.values(measures))
    doc.font('bold').fontSize(8).text(`${m.title}: `, { continued: true }).font('body').text(m.definition);
  doc.font('body').fontSize(8).text('Lagrum: socialtjänstlagen (2025:400). Årshjulets uppgifter räknas per skola och termin.');
  doc.end();
  return done;
}
