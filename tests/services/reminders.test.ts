import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import { parse, stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config';
import { nextWorkingTime, stockholmDayEnd, termOf } from '../../src/services/reminders';

describe('reminder calendar rules', () => {
  it('moves a reminder due on a weekend or a Swedish public holiday to the next working day', () => {
    assert.equal(nextWorkingTime(new Date('2026-03-03T07:00:00+01:00')).toISOString(), '2026-03-03T06:00:00.000Z', 'a Tuesday stays');
    assert.equal(nextWorkingTime(new Date('2026-08-15T07:00:00+02:00')).toISOString(), '2026-08-17T05:00:00.000Z', 'Saturday -> Monday');
    assert.equal(nextWorkingTime(new Date('2026-04-03T07:00:00+02:00')).toISOString(), '2026-04-07T05:00:00.000Z', 'Good Friday -> the Tuesday after Easter Monday');
    assert.equal(nextWorkingTime(new Date('2026-05-01T07:00:00+02:00')).toISOString(), '2026-05-04T05:00:00.000Z', 'May Day (Friday) -> Monday');
  });

  it("ends the day at Stockholm's midnight, in winter and in summer time", () => {
    assert.equal(stockholmDayEnd(new Date('2026-01-15T12:00:00+01:00')).toISOString(), '2026-01-15T23:00:00.000Z');
    assert.equal(stockholmDayEnd(new Date('2026-07-15T23:30:00+02:00')).toISOString(), '2026-07-15T22:00:00.000Z');
    assert.equal(stockholmDayEnd(new Date('2026-03-28T12:00:00+01:00')).toISOString(), '2026-03-28T23:00:00.000Z', 'the night the clocks go forward');
  });

  it('counts terms as schools do: VT January–June, HT July–December', () => {
    assert.equal(termOf(new Date('2026-01-01T00:30:00+01:00')), '2026-VT');
    assert.equal(termOf(new Date('2026-06-30T23:30:00+02:00')), '2026-VT');
    assert.equal(termOf(new Date('2026-08-10T07:00:00+02:00')), '2026-HT');
  });

  it('ships a default cycle that reminds of term start before the pupils come, and the cooperation routines', () => {
    const m = loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml' }).municipality;
    const next = (id: string, after: string) => new Cron(m.annualCycle.find((e) => e.id === id)!.schedule, { timezone: 'Europe/Stockholm', paused: true }).nextRun(new Date(after))!.toISOString();
    assert.equal(next('terminsstart-ht', '2026-07-01T00:00:00Z'), '2026-08-10T05:00:00.000Z');
    assert.equal(next('terminsstart-vt', '2026-12-01T00:00:00Z'), '2027-01-11T06:00:00.000Z');
    assert.deepEqual(
      m.annualCycle.map((e) => e.id),
      ['terminsstart-ht', 'terminsstart-vt', 'nyanstallda', 'rutin-oversyn', 'samverkansmote', 'samverkansmote-ifo', 'samverkansavtal'],
    );
    assert.ok(m.annualCycle.every((e) => !/2001:453|14 kap/.test(`${e.text.sv} ${e.text.en}`)));
    assert.deepEqual(m.reminders, { draftNudgeMinutes: 60, principalDigest: '0 7 * * mon', intakeSummary: '30 7 * * mon-fri' });
  });

  it('refuses a municipality file with a schedule that is not a cron expression, naming the entry', () => {
    const m = parse(readFileSync('config/example.yaml', 'utf8'));
    m.annualCycle[2].schedule = 'första måndagen';
    m.reminders.principalDigest = 'varje måndag kl 7';
    const file = join(mkdtempSync(join(tmpdir(), 'varna-config-')), 'bad.yaml');
    writeFileSync(file, stringify(m));
    let problems: string[] = [];
    try {
      loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: file });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    assert.ok(problems.some((p) => /annualCycle\[2\]\.schedule: must be a cron expression/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /reminders\.principalDigest: must be a cron expression/.test(p)), problems.join('\n'));
  });
});
