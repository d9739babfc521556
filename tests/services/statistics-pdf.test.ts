import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDF_COLORS, PDF_MAX_GROUP_BARS, statisticsPdf } from '../../src/cards/statistics-pdf';
import { countColor, renderPdfPage } from '../support/pdf';
import { statisticsFixture } from '../support/statistics';

/**
 * The committee report is looked at, not only parsed: page 1 is rendered to PNG in-process
 * (PDF.js + @napi-rs/canvas from npm) and the chart colours and the text are found where they belong.
 * `VARNA_DOC_IMAGES=1` also writes the page to docs/images/ for the README.
 */
describe('committee report (PDF) rendered to PNG', function () {
  this.timeout(60_000);

  it("shows bar charts in the PDF code's colours, no bar for a hidden figure, and text in the embedded DejaVu font", async () => {
    const stats = statisticsFixture(8);
    const pdf = await statisticsPdf(stats, 'Exempelkommun');
    assert.ok(pdf.toString('latin1').includes('DejaVuSans'), 'the DejaVu font is embedded');
    const { image, png, pages, text } = await renderPdfPage(pdf, 1);
    assert.ok(pages >= 2, 'charts first, then the table and the definitions');
    if (process.env.VARNA_DOC_IMAGES) {
      mkdirSync(join(__dirname, '../../docs/images'), { recursive: true });
      writeFileSync(join(__dirname, '../../docs/images/statistics-report.png'), png);
    }
    const at = (s: string) => {
      const found = text.find((i) => i.str.startsWith(s));
      assert.ok(
        found,
        `"${s}" is on page 1 (text: ${text
          .map((i) => i.str)
          .join(' | ')
          .slice(0, 300)})`,
      );
      return found;
    };
    const w = image.width;
    const h = image.height;

    // Text: the title is drawn (dark glyph pixels in its line), and the words are the PDF's own.
    const title = at('Uppföljning av samverkan skola–socialtjänst: Exempelkommun');
    assert.ok(
      countColor(image, '#000000', { x0: 0, y0: title.y - 30, x1: w, y1: title.y + 5 }, 60) > 1500,
      'the title is rendered as glyphs',
    );
    at('Anmälningar per skola');
    at('Timmar till skyddsbedömning, median / 90:e percentil');
    at('Erbjudna anmälningsmöten'); // the 19 kap. 5 § meeting, not a "samverkansmöte"
    assert.ok(!text.some((i) => /samverkansmöte/i.test(i.str)));

    // Charts: the per-group chart (left half) and the decisions and times charts (right half).
    const charts = at('Anmälningar per skola').y;
    const leftHalf = { x0: 0, y0: charts, x1: w / 2, y1: h };
    const rightHalf = { x0: w / 2, y0: charts, x1: w, y1: h };
    assert.ok(countColor(image, PDF_COLORS.bar, leftHalf) > 2000, 'bars per school in the chart colour');
    assert.ok(countColor(image, PDF_COLORS.bar, rightHalf) > 2000, 'decision and median bars');
    assert.ok(countColor(image, PDF_COLORS.p90, rightHalf) > 2000, '90th-percentile bars in their own colour');
    assert.equal(countColor(image, PDF_COLORS.p90, leftHalf), 0);

    // A school whose count is under 5 or hidden to protect another gets the same grey "..", no bar; a shown one gets a bar.
    const row = (label: string) => ({ x0: 0, y0: at(label).y - 14, x1: w / 2, y1: at(label).y + 2 });
    assert.equal(countColor(image, PDF_COLORS.bar, row('Solstrålens skola och förskola enhet 2')), 0, 'no bar for a count under 5');
    assert.equal(countColor(image, PDF_COLORS.bar, row('Lyrans skola och förskola enhet 3')), 0, 'no bar for a protecting count');
    assert.ok(countColor(image, PDF_COLORS.bar, row('Ekbackens skola och förskola enhet 1')) > 100, 'a bar for 6');
    // One mark (issue 24 §1): the small count and the protecting one both print "..", never "<5".
    const grey = (label: string) => text.filter((i) => i.str === '..' && i.x < w / 2 && Math.abs(i.y - at(label).y) < 3);
    assert.equal(grey('Solstrålens skola och förskola enhet 2').length, 1, '".." beside the school under 5');
    assert.equal(grey('Lyrans skola och förskola enhet 3').length, 1, '".." beside the protecting school');
    assert.ok(!text.some((i) => i.str.includes('<5')), 'no "<5" on the page');
  });

  it('keeps a large directory to one chart page: the first groups, and says where the rest are', async () => {
    const pdf = await statisticsPdf(statisticsFixture(120), 'Exempelkommun');
    const { text } = await renderPdfPage(pdf, 1, 1);
    assert.ok(text.some((i) => i.str.includes(`De ${PDF_MAX_GROUP_BARS} första av 120; alla finns i tabellen.`)));
    const page2 = await renderPdfPage(pdf, 2, 1);
    assert.ok(page2.pages >= 3, 'the table of 120 groups runs over more pages');
  });
});
