import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError, loadMunicipality } from '../../src/config';

/** `npm run config:check [file]`: the municipality file checked before a deploy, with Värna's own schema. */
const example = parse(readFileSync('config/example.yaml', 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'varna-config-check-'));
function writeConfig(mutate: (c: any) => void, ext = 'yaml'): string {
  const c = structuredClone(example);
  mutate(c);
  const path = join(dir, `c-${Math.random().toString(36).slice(2)}.${ext}`);
  writeFileSync(path, ext === 'json' ? JSON.stringify(c) : stringify(c));
  return path;
}
function problems(path: string): string[] {
  try {
    loadMunicipality(path);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.slice(path.length + 2));
    throw error;
  }
  return [];
}
const check = (...args: string[]) =>
  spawnSync(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/cli/config-check.ts', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, VARNA_CONFIG: '' },
  });

describe('npm run config:check', () => {
  it('passes the shipped example, exit code 0', () => {
    const run = check('config/example.yaml');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /example\.yaml: OK\. Exempelkommun: 3 skolor\/schools/);
  });

  it('names a typo in a key where it is (draftdays), at any depth, instead of ignoring it', () => {
    const path = writeConfig((c) => {
      c.retention.draftdays = 10;
      c.intakeUnits[0].officeHours.opens = '07:00';
      c.schools[1].principals[0].objectId = 'x';
      c.annualCycle[0].audience.unit = 'ifo-mottagningen';
      c.extra = true;
    });
    assert.deepEqual(problems(path).sort(), [
      'annualCycle[0].audience.unit: unknown key (a typo? the keys allowed here are in config/schema.json)',
      'extra: unknown key (a typo? the keys allowed here are in config/schema.json)',
      'intakeUnits[0].officeHours.opens: unknown key (a typo? the keys allowed here are in config/schema.json)',
      'retention.draftdays: unknown key (a typo? the keys allowed here are in config/schema.json)',
      'schools[1].principals[0].objectId: unknown key (a typo? the keys allowed here are in config/schema.json)',
    ]);
  });

  it('refuses a team or channel id that is not a Teams thread id (a name, a GUID, a link)', () => {
    const path = writeConfig((c) => {
      c.intakeUnits[0].teamId = 'IFO-mottagningen';
      c.intakeUnits[0].reportsChannelId = 'b3c1e0a2-1111-4222-8333-444455556666';
      c.intakeUnits[0].consultationsChannelId = 'https://teams.microsoft.com/l/channel/19%3Aabc%40thread.tacv2/Konsultationer';
    });
    const found = problems(path);
    assert.equal(found.length, 3, found.join('\n'));
    for (const field of ['teamId', 'reportsChannelId', 'consultationsChannelId'])
      assert.ok(
        found.includes(
          `intakeUnits[0].${field}: must be a Teams thread id such as "19:…@thread.tacv2" (run "värna status" in the channel)`,
        ),
        found.join('\n'),
      );
    // Old teams' ids end in @thread.skype: accepted.
    assert.deepEqual(problems(writeConfig((c) => (c.intakeUnits[0].teamId = '19:a1b2c3d4e5f6@thread.skype'))), []);
  });

  it('refuses a schedule that never fires (31 February) and one that is not cron at all', () => {
    const path = writeConfig((c) => {
      c.annualCycle[0].schedule = '0 8 31 2 *';
      c.annualCycle[1].schedule = '0 8 30 4,6,9,11 *'; // fires: every one of those months has a 30th
      c.annualCycle[2].schedule = '0 8 31 4,6,9,11 *'; // never: none of them has a 31st
      c.reminders.principalDigest = 'every monday';
    });
    assert.deepEqual(problems(path), [
      'annualCycle[0].schedule: never fires (no such date, e.g. 31 February): check day and month',
      'annualCycle[2].schedule: never fires (no such date, e.g. 31 February): check day and month',
      'reminders.principalDigest: must be a cron expression, e.g. "0 7 * * mon"',
    ]);
  });

  it('prints one line per problem with its path, in Swedish and English, and exits 1 (JSON files too)', () => {
    const path = writeConfig((c) => {
      c.retention.draftdays = 10;
      c.intakeUnits[0].teamId = 'IFO';
      c.reminders.intakeSummary = '0 8 31 2 *';
    }, 'json');
    const run = check(path);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(
      lines[0]!,
      /: 3 fel i kommunfilen, Värna startar inte med den \/ 3 problems in the municipality file, Värna will not start with it:$/,
    );
    assert.deepEqual(
      lines
        .filter((l) => l.startsWith('  - '))
        .map((l) => l.replace(/:.*$/, ''))
        .sort(),
      ['  - intakeUnits[0].teamId', '  - reminders.intakeSummary', '  - retention.draftdays'],
    );
    assert.match(lines.at(-1)!, /^Rätta raderna ovan och kör igen \/ Fix the lines above and run again: npm run config:check /);
  });

  it('says so, exit 1, when the file cannot be read', () => {
    const run = check(join(dir, 'finns-inte.yaml'));
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^  - cannot be read: ENOENT/m);
  });

  it('Värna itself refuses the same file: the check and the start use one schema', () => {
    const path = writeConfig((c) => (c.retention.draftdays = 10));
    const run = spawnSync(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/index.ts'], {
      env: { ...process.env, VARNA_CONFIG: path, PORT: '0', VARNA_STORE_URL: `sqlite:${join(dir, 'x.db')}` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /retention\.draftdays: unknown key/);
  });
});
