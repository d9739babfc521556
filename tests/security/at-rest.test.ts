import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBot, type TestBot } from '../support/bot';
import { ManualClock } from '../support/clock';
import { TEAM } from '../support/intake';
import { TEST_CHILD, TEST_OBSERVED, TEST_PNR, TEST_WORDS, fillReport, reportInput, submitReport } from '../support/report';
import { findInFiles, findInTables } from '../support/scan';
import { as } from '../support/users';

/** Everything identifying the child, the family or the concern in the test report. */
const secrets = [
  TEST_CHILD,
  'Testbarn',
  TEST_PNR,
  '201212121212',
  '201212-1212',
  TEST_OBSERVED.slice(0, 30),
  TEST_WORDS,
  'Gustav Vårdnadshavare',
  'Storgatan 12',
  'Pratat med kurator',
  '070-000 00 00',
];

/**
 * Encryption at rest, proven on the file: after a teacher submits a report over the protocol (and
 * leaves another as a draft), the SQLite file and its write-ahead log are read as bytes and every
 * table's every column is scanned: the child's name, personnummer, address, the guardians and the
 * free text appear nowhere in clear.
 */
describe('encryption at rest: the store file holds nothing from a report in clear', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-03-02T09:00:00+01:00') });
    await bot.installTeam(TEAM, as.intake);
    bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId]));
    await bot.installPersonal(as.teacher);
  });
  afterEach(async () => bot.destroy());

  it("after a submitted report, a draft and the channel delivery, no table and no file byte holds the child's data", async () => {
    const { reference } = await submitReport(bot, as.teacher, reportInput());
    await fillReport(bot, as.otherTeacher, reportInput()); // left as a draft
    await bot.deliver();
    assert.ok(await bot.services.reports.byReference(reference));

    assert.deepEqual(await findInTables(bot.services.store.db, secrets), []);
    if (bot.services.store.dialect !== 'sqlite') return; // PostgreSQL: its files are the server's
    const dbFile = join(bot.dataDir, 'varna.db');
    assert.deepEqual(findInFiles(dbFile, secrets), [], 'the write-ahead log before a checkpoint');
    await bot.stop(); // closing checkpoints the log into the file
    assert.deepEqual(findInFiles(dbFile, secrets), [], 'the database file');
    await bot.start();
  });
});
