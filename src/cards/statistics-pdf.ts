import PDFDocument from 'pdfkit';
import { show, showDerived, type CountCell, type Statistics } from '../services/statistics';
import { measures, statisticsTable, suppressionNote } from '../services/statistics-export';

const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

/**
 * The committee report: dated, the period, headline figures, bar charts drawn as vectors (no
 * browser), the table, and the definition of every measure. Hidden cells get no bar, only "<5"/"..".
 */
export function statisticsPdf(stats: Statistics, municipality: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 40, info: { Title: `Värna statistik ${stats.from} – ${stats.to}`, Producer: 'Värna' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('body', FONT);
  doc.registerFont('bold', BOLD);

  doc.font('bold').fontSize(18).text(`Uppföljning av samverkan skola–socialtjänst: ${municipality}`);
  doc.font('body').fontSize(10).text(`Period ${stats.from} – ${stats.to}. Skapad ${stats.generatedAt.slice(0, 10)}.`);
  doc.fontSize(9).fillColor('#555').text(suppressionNote).fillColor('black').moveDown(0.8);

  const t = stats.total;
  const headline: Array<[string, string]> = [
    ['Anmälningar', show(t.counts.reports)],
    ['Andel som begärt återkoppling (%)', showDerived(t.derived.shareFeedbackRequested, 1)],
    ['Andel som fått återkoppling om beslut (%)', showDerived(t.derived.shareFeedbackGiven, 1)],
    ['Dagar till beslut, median / 90:e percentil', `${showDerived(t.derived.decisionDaysMedian, 1)} / ${showDerived(t.derived.decisionDaysP90, 1)}`],
    ['Andel beslut inom 14 dagar (%)', showDerived(t.derived.shareWithin14, 1)],
    ['Konsultationer', show(t.counts.consultations)],
  ];
  for (const [label, value] of headline) doc.font('bold').fontSize(10).text(`${label}: `, { continued: true }).font('body').text(value);

  /** A horizontal bar chart; bars only for shown counts. */
  const chart = (title: string, bars: Array<[string, CountCell]>, x: number, y: number, width: number) => {
    doc.font('bold').fontSize(11).text(title, x, y);
    const max = Math.max(1, ...bars.map(([, c]) => ('n' in c ? c.n : 0)));
    const labelW = 150;
    let yy = y + 20;
    for (const [label, c] of bars) {
      doc.font('body').fontSize(9).text(label, x, yy, { width: labelW - 6, ellipsis: true, lineBreak: false });
      if ('n' in c) {
        const w = ((width - labelW - 40) * c.n) / max;
        doc.rect(x + labelW, yy, Math.max(1, w), 11).fill('#2b6cb0').fillColor('black');
        doc.text(String(c.n), x + labelW + w + 4, yy, { lineBreak: false });
      } else doc.fillColor('#777').text(show(c), x + labelW, yy, { lineBreak: false }).fillColor('black');
      yy += 16;
    }
    return yy;
  };
  const top = doc.y + 14;
  const left = chart('Anmälningar per grupp', stats.rows.map((r) => [r.label, r.counts.reports]), 40, top, 370);
  const right = chart(
    'Beslut om utredning (alla grupper)',
    [
      ['Utredning inleds', t.counts.opened],
      ['Inleds inte', t.counts.notOpened],
      ['Pågår redan', t.counts.alreadyOngoing],
    ],
    430,
    top,
    370,
  );
  doc.y = Math.max(left, right) + 10;
  doc.x = 40;

  doc.addPage();
  doc.font('bold').fontSize(13).text('Tabell');
  const table = statisticsTable(stats);
  const cols = [0, 1, 2, 3, 4, 5, 8, 9, 10, 16, 17, 24];
  for (const [i, line] of table.entries()) {
    const cells = cols.map((c) => line[c] ?? '');
    doc.font(i === 0 || i === table.length - 1 ? 'bold' : 'body').fontSize(7);
    const y = doc.y;
    cells.forEach((v, j) => doc.text(v, 40 + (j === 0 ? 0 : 130 + (j - 1) * 60), y, { width: j === 0 ? 126 : 56, lineBreak: i === 0 }));
    doc.y = y + (i === 0 ? 34 : 12);
  }
  doc.x = 40;
  doc.moveDown(1).font('bold').fontSize(13).text('Definitioner');
  for (const m of Object.values(measures)) doc.font('bold').fontSize(8).text(`${m.title}: `, { continued: true }).font('body').text(m.definition);
  doc.font('body').fontSize(8).text('Lagrum: socialtjänstlagen (2025:400). Årshjulets uppgifter räknas per skola och termin.');
  doc.end();
  return done;
}
