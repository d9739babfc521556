import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf, cardsOf, checkCard, inputsOf, textOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { activityOf } from '../support/connector';
import { seed } from '../support/statistics';
import { as } from '../support/users';

const tableOf = (card: any): string[][] => {
  const table = card.body.find((e: any) => e.type === 'Table');
  return table.rows.map((r: any) => r.cells.map((c: any) => c.items[0].text));
};

describe('statistics in the 1:1 chat', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-11-23T10:00:00+01:00') });
    await seed(bot.services.store);
    for (const u of [as.statistician, as.principal, as.teacher]) await bot.installPersonal(u);
  });
  afterEach(async () => bot.destroy());

  it('gives a committee secretary the year by school, with small numbers hidden, and pickers that change it', async () => {
    const reply = cardsOf(activityOf((await bot.send(as.statistician, 'Statistik'))[0]!)).map((c) => checkCard(c));
    const card = reply[0];
    assert.equal(card.version, '1.5');
    assert.match(textOf(card), /Anmälningar\s+17/);
    assert.match(textOf(card), /Andel som begärt återkoppling\s+52,9 %/);
    assert.deepEqual(tableOf(card).slice(1), [
      ['Ekbackens skola', '8', '7', '5', '<5', '5', '5'],
      ['Förskolan Solstrålen', '<5', '<5', '<5', '<5', '<5', '<5'],
      ['Friskolan Lyran', '..', '<5', '<5', '<5', '<5', '<5'],
      ['Totalt', '17', '7', '5', '<5', '5', '5'],
    ]);
    assert.deepEqual(
      inputsOf(card).map((i) => i.id),
      ['period', 'groupBy', 'from', 'to'],
    );
    assert.ok(actionsOf(card).some((a) => a.verb === 'statistics.show'));

    const byType = await bot.execute(as.statistician, 'statistics.show', { period: 'term:2026-VT', groupBy: 'schoolType' });
    assert.deepEqual(tableOf(byType.card).slice(1).map((r) => r.slice(0, 2)), [
      // Hidden: with Ekbacken's 8 (by school) they would give Solstrålen's 3 away (11 - 8).
      ['Fristående', '..'],
      ['Kommunal', '..'],
      ['Totalt', '17'],
    ]);
    const custom = await bot.execute(as.statistician, 'statistics.show', { period: 'custom', from: '2026-03-01', to: '2026-03-31', groupBy: 'district' });
    assert.match(textOf(custom.card), /2026-03-01 – 2026-03-31/);
    const bad = await bot.execute(as.statistician, 'statistics.show', { period: 'custom', from: '2026-04-01', groupBy: 'school' });
    assert.match(textOf(bad.card), /Perioden går inte att använda/);
  });

  it('shows a principal their own school only, offers the menu entry only to those allowed, and refuses a teacher politely', async () => {
    const own = cardsOf(activityOf((await bot.send(as.principal, 'statistik'))[0]!)).map((c) => checkCard(c))[0];
    assert.match(textOf(own), /Du ser din egen skola/);
    assert.deepEqual(tableOf(own).slice(1).map((r) => r[0]), ['Ekbackens skola', 'Totalt']);
    assert.doesNotMatch(textOf(own), /Lyran|Solstrålen/);

    const menu = (u: typeof as.teacher) => bot.send(u, 'hej').then((calls) => actionsOf(cardsOf(activityOf(calls[0]!))[0]));
    assert.ok((await menu(as.statistician)).some((a) => a.verb === 'statistics.show'));
    assert.ok(!(await menu(as.teacher)).some((a) => a.verb === 'statistics.show'));

    const refused = await bot.send(as.teacher, 'statistik');
    assert.match(textOf(activityOf(refused[0]!)), /inte behörighet/);
    const viaButton = await bot.execute(as.teacher, 'statistics.show', {});
    assert.match(String(viaButton.message), /inte behörighet/);
    const audit = await bot.services.store.audit.forSubject('statistics');
    assert.deepEqual(audit.map((a) => [a.actor, a.outcome]), [
      [as.teacher.aadObjectId, 'refused'],
      [as.teacher.aadObjectId, 'refused'],
    ]);

    const inSentence = await bot.send(as.statistician, 'finns det statistik på det här?');
    assert.ok(!cardsOf(activityOf(inSentence[0]!)).some((c: any) => c.body?.some((e: any) => e.type === 'Table')));
  });

  it('downloads the same suppressed figures as CSV and Excel through a signed link that expires, each download audited', async () => {
    const card = cardsOf(activityOf((await bot.send(as.statistician, 'statistik'))[0]!))[0];
    const url = (title: RegExp) => (card.actions as any[]).find((a) => title.test(a.title)).url as string;
    const csv = await fetch(url(/CSV/));
    assert.equal(csv.status, 200);
    const body = await csv.text();
    const lines = body.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.match(lines[0]!, /2026-01-01 – 2026-12-31/);
    assert.deepEqual(lines.slice(3).map((l) => l.split(';').slice(0, 2)), [
      ['Ekbackens skola', '8'],
      ['Förskolan Solstrålen', '<5'],
      ['Friskolan Lyran', '..'],
      ['Totalt', '17'],
    ]);
    const xlsx = await fetch(url(/Excel/));
    assert.equal(xlsx.status, 200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as any);
    const sheet = wb.getWorksheet('Statistik')!;
    assert.deepEqual([4, 5, 6, 7].map((r) => [sheet.getRow(r).getCell(1).value, sheet.getRow(r).getCell(2).value]), [
      ['Ekbackens skola', 8],
      ['Förskolan Solstrålen', '<5'],
      ['Friskolan Lyran', '..'],
      ['Totalt', 17],
    ]);
    assert.ok(wb.getWorksheet('Definitioner')!.rowCount > 20, 'each measure with its definition');
    const pdf = await fetch(url(/PDF/));
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer()).toString('latin1');
    assert.ok(bytes.startsWith('%PDF-'));
    assert.equal((bytes.match(/\/Type \/Page\b/g) ?? []).length, 2, 'charts and headline figures, then the table and the definitions');

    assert.equal((await fetch(url(/CSV/).replace(/u=[^&]+/, `u=${as.teacher.aadObjectId}`))).status, 403);
    bot.clock.advance(11 * 60_000);
    assert.equal((await fetch(url(/CSV/))).status, 403);
    const audit = (await bot.services.store.db.selectFrom('audit').select(['action', 'outcome']).where('action', '=', 'statistics.export').execute()).map((a) => a.outcome);
    assert.deepEqual(audit, ['allowed', 'allowed', 'allowed', 'refused', 'refused']);
  });
});
