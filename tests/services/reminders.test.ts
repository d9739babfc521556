import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import { parse, stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config';
import { durationMs } from '../../src/services/municipality';
import { isWorkingTime, nextWorkingTime, stockholmDayEnd, termOf } from '../../src/services/reminders';

describe('reminder calendar rules', () => {
  it('moves a reminder due on a weekend or a Swedish public holiday to the next working day', () => {
    assert.equal(nextWorkingTime(new Date('2026-03-03T07:00:00+01:00')).toISOString(), '2026-03-03T06:00:00.000Z', 'a Tuesday stays');
    assert.equal(nextWorkingTime(new Date('2026-08-15T07:00:00+02:00')).toISOString(), '2026-08-17T05:00:00.000Z', 'Saturday -> Monday');
    assert.equal(
      nextWorkingTime(new Date('2026-04-03T07:00:00+02:00')).toISOString(),
      '2026-04-07T05:00:00.000Z',
      'Good Friday -> the Tuesday after Easter Monday',
    );
    assert.equal(
      nextWorkingTime(new Date('2026-05-01T07:00:00+02:00')).toISOString(),
      '2026-05-04T05:00:00.000Z',
      'May Day (Friday) -> Monday',
    );
  });

  it('lets a reminder arrive 07:00-18:00 on working days only; one due outside waits for the next working morning', () => {
    const at = (local: string) => nextWorkingTime(new Date(local)).toISOString();
    assert.equal(at('2026-03-03T17:59:00+01:00'), '2026-03-03T16:59:00.000Z', 'Tuesday 17:59 stays');
    assert.equal(at('2026-03-03T18:00:00+01:00'), '2026-03-04T06:00:00.000Z', 'Tuesday 18:00 -> Wednesday 07:00');
    assert.equal(at('2026-03-04T03:00:00+01:00'), '2026-03-04T06:00:00.000Z', 'the night -> 07:00 the same day');
    assert.equal(at('2026-03-06T22:00:00+01:00'), '2026-03-09T06:00:00.000Z', 'Friday night -> Monday 07:00');
    assert.equal(at('2026-08-10T06:30:00+02:00'), '2026-08-10T05:00:00.000Z', 'summer time: 07:00 is 05:00 UTC');
    assert.equal(
      at('2026-12-23T19:00:00+01:00'),
      '2026-12-28T06:00:00.000Z',
      'Christmas Eve, Christmas Day and a weekend -> Monday 28 December',
    );
    assert.equal(
      at('2026-03-29T01:30:00+01:00'),
      '2026-03-30T05:00:00.000Z',
      'the night the clocks go forward (a Sunday) -> Monday 07:00 summer time',
    );
    assert.equal(isWorkingTime(new Date('2026-03-03T07:00:00+01:00')), true);
    assert.equal(isWorkingTime(new Date('2026-03-03T06:59:59+01:00')), false);
    assert.equal(isWorkingTime(new Date('2026-06-19T10:00:00+02:00')), false, 'Midsummer Eve');
  });

  it('reads catchUpWithin as hours, days or weeks', () => {
    assert.equal(durationMs('36h'), 36 * 3_600_000);
    assert.equal(durationMs('14d'), 14 * 86_400_000);
    assert.equal(durationMs('6w'), 42 * 86_400_000);
  });

  it("ends the day at Stockholm's midnight, in winter and in summer time", () => {
    assert.equal(stockholmDayEnd(new Date('2026-01-15T12:00:00+01:00')).toISOString(), '2026-01-15T23:00:00.000Z');
    assert.equal(stockholmDayEnd(new Date('2026-07-15T23:30:00+02:00')).toISOString(), '2026-07-15T22:00:00.000Z');
    assert.equal(
      stockholmDayEnd(new Date('2026-03-28T12:00:00+01:00')).toISOString(),
      '2026-03-28T23:00:00.000Z',
      'the night the clocks go forward',
    );
  });

  it('counts terms as schools do: VT January–June, HT July–December', () => {
    assert.equal(termOf(new Date('2026-01-01T00:30:00+01:00')), '2026-VT');
    assert.equal(termOf(new Date('2026-06-30T23:30:00+02:00')), '2026-VT');
    assert.equal(termOf(new Date('2026-08-10T07:00:00+02:00')), '2026-HT');
  });

  it('ships a default cycle that reminds of term start before the pupils come, and the cooperation routines', () => {
    const m = loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml' }).municipality;
    const byId = (id: string) => m.annualCycle.find((e) => e.id === id)!;
    const runs = (id: string, from: string, to: string) => {
      const cron = new Cron(byId(id).schedule, { timezone: 'Europe/Stockholm', paused: true });
      const out: string[] = [];
      for (let t = cron.nextRun(new Date(from)); t && t < new Date(to); t = cron.nextRun(t)) out.push(t.toISOString());
      return out;
    };
    assert.deepEqual(runs('terminsstart-ht', '2026-07-01T00:00:00Z', '2027-07-01T00:00:00Z'), ['2026-08-10T05:00:00.000Z']);
    assert.deepEqual(runs('terminsstart-vt', '2026-12-01T00:00:00Z', '2027-12-01T00:00:00Z'), ['2027-01-11T06:00:00.000Z']);
    assert.deepEqual(
      m.annualCycle.map((e) => e.id),
      [
        'terminsstart-ht',
        'terminsstart-vt',
        'nyanstallda',
        'rutin-oversyn',
        'samverkansmote',
        'samverkansmote-ifo',
        'samverkansavtal',
        'information-skolor',
        'introduktion-mottagning',
        'kontaktpersoner',
        'kontaktpersoner-ifo',
        'fristaende-skolor',
        'arsrapport',
        'internkontroll',
      ],
    );
    assert.ok(m.annualCycle.every((e) => !/2001:453|14 kap/.test(`${e.text.sv} ${e.text.en}`)));
    assert.deepEqual(m.reminders, { draftNudgeMinutes: 60, principalDigest: '0 7 * * mon', intakeSummary: '30 7 * * mon-fri' });

    // What the audits describe (issue 24 §3). Intake and principals meet every term, not yearly
    // (Eksjö, Herrljunga): once in the spring term and once in the autumn term.
    assert.deepEqual(
      runs('samverkansmote', '2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z').map((t) => termOf(new Date(t))),
      ['2027-VT', '2027-HT'],
    );
    assert.deepEqual(
      runs('samverkansmote-ifo', '2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z').map((t) => termOf(new Date(t))),
      ['2027-VT', '2027-HT'],
    );
    // The yearly report of Värna's figures to the committees and the board goes to the statistics
    // role with last year's figures; the internal-control check with last term's.
    assert.deepEqual(byId('arsrapport').audience, { kind: 'statistics' });
    assert.equal(byId('arsrapport').figures, 'previousYear');
    assert.match(byId('arsrapport').text.sv, /kommunstyrelsen/);
    assert.deepEqual(byId('internkontroll').audience, { kind: 'statistics' });
    assert.equal(byId('internkontroll').figures, 'previousTerm');
    // Information from the social services to staff and at parent meetings; new intake staff; the
    // contact persons on both sides; the independent schools' principals as an audience.
    assert.match(byId('information-skolor').title.sv, /föräldramöten/);
    assert.deepEqual(byId('introduktion-mottagning').audience, { kind: 'intakeUnit', unit: 'ifo-mottagningen' });
    assert.deepEqual(byId('kontaktpersoner').audience, { kind: 'allPrincipals' });
    assert.deepEqual(byId('kontaktpersoner-ifo').audience, { kind: 'intakeUnit', unit: 'ifo-mottagningen' });
    assert.deepEqual(byId('fristaende-skolor').audience, { kind: 'independentPrincipals' });
    // Each new entry names the audit it comes from.
    const seeds = /Leksand|Herrljunga|Stockholm|Kinda|Eksjö/;
    for (const id of [
      'samverkansmote',
      'samverkansmote-ifo',
      'information-skolor',
      'introduktion-mottagning',
      'kontaktpersoner',
      'kontaktpersoner-ifo',
      'fristaende-skolor',
      'arsrapport',
      'internkontroll',
    ]) {
      assert.match(byId(id).description ?? '', seeds, id);
    }
    assert.ok(
      m.annualCycle.every((e) => durationMs(e.catchUpWithin) >= 14 * 86_400_000),
      'every entry keeps at least the default window',
    );
  });

  it('refuses figures for an intake channel and a catchUpWithin that is not a duration, naming the entry', () => {
    const m = parse(readFileSync('config/example.yaml', 'utf8'));
    const unit = m.annualCycle.findIndex((e: { audience: { kind: string } }) => e.audience.kind === 'intakeUnit');
    m.annualCycle[unit].figures = 'previousYear';
    m.annualCycle[0].catchUpWithin = 'två veckor';
    const file = join(mkdtempSync(join(tmpdir(), 'varna-config-')), 'bad.yaml');
    writeFileSync(file, stringify(m));
    let problems: string[] = [];
    try {
      loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: file });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    assert.ok(
      problems.some((p) => new RegExp(`annualCycle\\[${unit}\\]\\.figures: figures go to people`).test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /annualCycle\[0\]\.catchUpWithin: must be a duration/.test(p)),
      problems.join('\n'),
    );
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
    assert.ok(
      problems.some((p) => /annualCycle\[2\]\.schedule: must be a cron expression/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /reminders\.principalDigest: must be a cron expression/.test(p)),
      problems.join('\n'),
    );
  });
});
