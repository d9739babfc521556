import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config';
import { directory } from '../../src/services/municipality';
import { configJsonSchema } from '../../scripts/write-schemas';

const example = parse(readFileSync('config/example.yaml', 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'varna-config-'));
function writeConfig(mutate: (c: any) => void): string {
  const c = structuredClone(example);
  mutate(c);
  const path = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, stringify(c));
  return path;
}
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('loads the shipped example: Exempelkommun, 3 schools (one independent), 2 districts, 1 intake unit', () => {
    const { municipality } = loadConfig({ VARNA_CONFIG: 'config/example.yaml' });
    assert.equal(municipality.municipality.name, 'Exempelkommun');
    assert.equal(municipality.schools.length, 3);
    assert.equal(municipality.schools.filter((s) => s.type === 'independent').length, 1);
    assert.equal(municipality.districts.length, 2);
    assert.equal(municipality.intakeUnits.length, 1);
  });

  it('routes an independent school to an intake unit exactly like a municipal one', () => {
    const d = directory(loadConfig({}).municipality);
    assert.equal(d.intakeUnitFor('friskolan-lyran')?.id, 'ifo-mottagningen');
    assert.equal(d.intakeUnitFor('ekbacken')?.id, 'ifo-mottagningen');
  });

  it('names each bad field: missing field, wrong type, unknown school in an intake unit', () => {
    const path = writeConfig((c) => {
      delete c.municipality.name;
      c.schools[0].type = 'private';
      c.intakeUnits[0].serves.schools = ['finns-inte'];
      c.intakeUnits[0].phone = 42;
    });
    const found = problems({ VARNA_CONFIG: path });
    assert.ok(
      found.some((p) => /municipality\.name/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /schools\[0\]\.type/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /intakeUnits\[0\]\.phone/.test(p)),
      found.join('\n'),
    );
    // The unknown school is reported once the basic types are right:
    const path2 = writeConfig((c) => (c.intakeUnits[0].serves.schools = ['finns-inte']));
    const found2 = problems({ VARNA_CONFIG: path2 });
    assert.deepEqual(
      found2.map((p) => p.replace(/^.*?: /, '')),
      ['intakeUnits[0].serves.schools[0]: unknown school "finns-inte"'],
    );
  });

  it('refuses a school that no intake unit serves', () => {
    const path = writeConfig((c) => (c.intakeUnits[0].serves.districts = ['norra']));
    const found = problems({ VARNA_CONFIG: path });
    assert.ok(
      found.some((p) => /schools\[1\]: no intake unit serves school "solstralen"/.test(p)),
      found.join('\n'),
    );
  });

  it('refuses production without bot credentials or data keys', () => {
    const found = problems({ NODE_ENV: 'production' });
    assert.ok(found.some((p) => /BOT_APP_ID: required in production/.test(p)));
    assert.ok(found.some((p) => /VARNA_DATA_KEY: required in production/.test(p)));
  });

  it('checks environment values: a bad key and a bad store URL', () => {
    const found = problems({ VARNA_DATA_KEY: 'short', VARNA_STORE_URL: 'mysql://x' });
    assert.ok(found.some((p) => /VARNA_DATA_KEY: must be 32 bytes/.test(p)));
    assert.ok(found.some((p) => /VARNA_STORE_URL/.test(p)));
  });

  it('the process exits non-zero with one line per problem', () => {
    const path = writeConfig((c) => {
      delete c.municipality.name;
      c.schools[0].district = 'ostra';
    });
    const run = spawnSync(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', 'src/index.ts'], {
      env: { ...process.env, VARNA_CONFIG: path, PORT: '0', VARNA_STORE_URL: `sqlite:${join(dir, 'x.db')}` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2, run.stderr);
    const lines = run.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('  - '));
    assert.equal(lines.length, 3, run.stderr);
    assert.match(run.stderr, /schools\[0\]: no intake unit serves school "ekbacken"/);
    assert.match(run.stderr, /municipality\.name/);
    assert.match(run.stderr, /schools\[0\]\.district: unknown district "ostra"/);
  });

  it('the published JSON Schema is the one generated from the zod schema', () => {
    assert.deepEqual(JSON.parse(readFileSync('config/schema.json', 'utf8')), configJsonSchema());
  });
});
