import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBicep, type Problem } from '../../scripts/bicep-check';

// Bicep's own rules (syntax, names, types, the linter) are the Bicep CLI's: `az bicep build` and
// `az bicep lint` in the deployment pipeline (docs/deployment.md, "Checking the templates"). These
// are Värna's rules, which Bicep cannot know, shown on the committed templates with one edit each.
const TEMPLATE = readFileSync('infra/main.bicep', 'utf8');
const PARAMS = readFileSync('infra/main.bicepparam', 'utf8');

/** `text` with `from` (which must occur exactly once) replaced by `to`, and the line the edit starts on. */
function edit(text: string, from: string, to: string): { text: string; line: number } {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `expected exactly one "${from}" in the file`);
  return { text: text.slice(0, at) + to + text.slice(at + from.length), line: text.slice(0, at).split('\n').length };
}

const show = (problems: Problem[]) => problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n') || '(no problems)';

/** Exactly these problems: [file, line, message pattern]. */
function assertProblems(problems: Problem[], ...expected: [Problem['file'], number, RegExp][]): void {
  assert.equal(problems.length, expected.length, `expected ${expected.length} problem(s), got:\n${show(problems)}`);
  for (const [file, line, message] of expected) {
    assert.ok(
      problems.some((p) => p.file === file && p.line === line && message.test(p.message)),
      `expected ${file}:${line} ${message}, got:\n${show(problems)}`,
    );
  }
}

const template = (text: string) => checkBicep(text, PARAMS);
const params = (text: string) => checkBicep(TEMPLATE, text);

describe("Värna's checks of its Azure templates (scripts/bicep-check.ts)", () => {
  it('takes a secure param from the environment only, never from text written in the file', async () => {
    const literal = edit(
      PARAMS,
      "param postgresAdminPassword = readEnvironmentVariable('SECRET_PG_ADMIN_PASSWORD')",
      "param postgresAdminPassword = 'c2VjcmV0'",
    );
    assertProblems(await params(literal.text), [
      'params',
      literal.line,
      /secure param `postgresAdminPassword` must come from readEnvironmentVariable\('\.\.\.'\) or getSecret\(\.\.\.\), never from text written in this file/,
    ]);
    const fallback = edit(
      PARAMS,
      "readEnvironmentVariable('SECRET_PG_ADMIN_PASSWORD')",
      "readEnvironmentVariable('SECRET_PG_ADMIN_PASSWORD', 'hunter2')",
    );
    assertProblems(await params(fallback.text), [
      'params',
      fallback.line,
      /secure param `postgresAdminPassword` falls back to a value written in this file/,
    ]);
    const built = edit(
      PARAMS,
      "param municipalityYaml = readEnvironmentVariable('VARNA_MUNICIPALITY_YAML')",
      "param municipalityYaml = '${readEnvironmentVariable('VARNA_MUNICIPALITY_YAML')}=='",
    );
    assertProblems(await params(built.text), [
      'params',
      built.line,
      /secure param `municipalityYaml` must come from readEnvironmentVariable/,
    ]);
    // A param that is not @secure() may fall back to a default.
    assertProblems(
      await params(edit(PARAMS, "readEnvironmentVariable('VARNA_DATA_KEY_ID')", "readEnvironmentVariable('VARNA_DATA_KEY_ID', 'k1')").text),
    );
  });

  it('gives the app only settings Värna reads: a misspelt name would leave the default in place', async () => {
    const typo = edit(TEMPLATE, "{ name: 'VARNA_AUDIT_KEY_ID', value: auditKeyId }", "{ name: 'VARNA_AUDIT_KEYID', value: auditKeyId }");
    assertProblems(await template(typo.text), [
      'template',
      typo.line,
      /the app setting VARNA_AUDIT_KEYID is not one Värna reads \(src\/config\.ts, Env\)/,
    ]);
  });

  it('gives a key or a password to the app as a container secret, never as a plain value', async () => {
    const plain = edit(
      TEMPLATE,
      "{ name: 'VARNA_AUDIT_KEY', secretRef: 'audit-key' }",
      "{ name: 'VARNA_AUDIT_KEY', value: auditKeyVersion }",
    );
    assertProblems(await template(plain.text), [
      'template',
      plain.line,
      /the app setting VARNA_AUDIT_KEY holds a secret: give it by secretRef/,
    ]);
  });

  describe('npx tsx scripts/bicep-check.ts', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'varna-bicep-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const run = (...files: string[]) =>
      spawnSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/bicep-check.ts', ...files], {
        encoding: 'utf8',
        env: { ...process.env, PATH: '' },
      });

    it("checks every committed template, prints ok for each and exits 0 (and says Bicep's own checks were left to the pipeline when no Bicep CLI is found)", () => {
      const result = run();
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^ok: infra\/main\.bicep and infra\/main\.bicepparam pass/);
      assert.match(result.stdout, /\nok: infra\/secret\.bicep and infra\/secret\.bicepparam pass/);
      assert.match(result.stdout, /\nok: infra\/vault\.bicep passes/);
      assert.match(result.stdout, /\nskipped: Bicep's own build and lint \(no `bicep` or `az bicep` on PATH/);
    });

    it('prints each problem as file:line and exits 1', () => {
      const { text, line } = edit(
        PARAMS,
        "param postgresAdminPassword = readEnvironmentVariable('SECRET_PG_ADMIN_PASSWORD')",
        "param postgresAdminPassword = 'hunter2'",
      );
      writeFileSync(join(dir, 'main.bicep'), TEMPLATE);
      writeFileSync(join(dir, 'main.bicepparam'), text);
      const result = run(join(dir, 'main.bicep'), join(dir, 'main.bicepparam'));
      assert.equal(result.status, 1, result.stdout);
      assert.match(
        result.stderr,
        new RegExp(
          `^${join(dir, 'main.bicepparam').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: secure param \`postgresAdminPassword\` must come from readEnvironmentVariable.*\n1 problem\n$`,
        ),
      );
    });
  });
});

describe('the committed Azure templates (infra/)', () => {
  const MAIN = readFileSync('infra/main.bicep', 'utf8');
  const MAIN_PARAMS = readFileSync('infra/main.bicepparam', 'utf8');
  const VAULT = readFileSync('infra/vault.bicep', 'utf8');
  const SECRET = readFileSync('infra/secret.bicep', 'utf8');
  const SECRET_PARAMS = readFileSync('infra/secret.bicepparam', 'utf8');

  it("pass Värna's checks: main.bicep, vault.bicep and secret.bicep with their parameter files", async () => {
    assertProblems(await checkBicep(MAIN, MAIN_PARAMS));
    assertProblems(await checkBicep(VAULT));
    assertProblems(await checkBicep(SECRET, SECRET_PARAMS));
  });

  it('write no key when deploying: main.bicep makes no Key Vault secret and reads each one by the version it is given', () => {
    assert.doesNotMatch(MAIN, /Microsoft\.KeyVault\/vaults\/secrets/);
    const urls = [...MAIN.matchAll(/keyVaultUrl: '([^']*)'/g)].map((m) => m[1]!);
    assert.deepEqual(urls.map((u) => u.replace(/^\$\{vaultUri\}secrets\//, '')).sort(), [
      'bot-app-password/${botPasswordVersion}',
      'varna-audit-key/${auditKeyVersion}',
      'varna-data-key/${dataKeyVersion}',
      'varna-db-password/${dbPasswordVersion}',
      'varna-index-key/${indexKeyVersion}',
      'varna-old-audit-keys/${oldAuditKeysVersion}',
      'varna-old-data-keys/${oldDataKeysVersion}',
      'varna-old-index-keys/${oldIndexKeysVersion}',
    ]);
  });

  it("give the app every key production needs, each with its id: the audit key (production does not start without it) and the index key's id, and the retired ones", () => {
    const env = (name: string) => new RegExp(`\\{ name: '${name}', (value|secretRef): ([^ ]+) \\}`).exec(MAIN)?.slice(1);
    assert.deepEqual(env('VARNA_AUDIT_KEY'), ['secretRef', "'audit-key'"]);
    assert.deepEqual(env('VARNA_AUDIT_KEY_ID'), ['value', 'auditKeyId']);
    assert.deepEqual(env('VARNA_INDEX_KEY_ID'), ['value', 'indexKeyId']);
    assert.deepEqual(env('VARNA_OLD_INDEX_KEYS'), ['secretRef', "'old-index-keys'"]);
    assert.deepEqual(env('VARNA_OLD_AUDIT_KEYS'), ['secretRef', "'old-audit-keys'"]);
    // Like the data key's id: no default, and from the environment without a fallback.
    for (const [param, variable] of [
      ['auditKeyId', 'VARNA_AUDIT_KEY_ID'],
      ['indexKeyId', 'VARNA_INDEX_KEY_ID'],
      ['auditKeyVersion', 'VARNA_AUDIT_KEY_VERSION'],
    ]) {
      assert.match(MAIN, new RegExp(`^param ${param} string$`, 'm'));
      assert.match(MAIN_PARAMS, new RegExp(`^param ${param} = readEnvironmentVariable\\('${variable}'\\)$`, 'm'));
    }
    // A new version of any key starts new instances.
    assert.match(
      MAIN,
      /VARNA_SECRETS_VERSION', value: uniqueString\([^)]*auditKeyVersion[^)]*oldIndexKeysVersion|VARNA_SECRETS_VERSION', value: uniqueString\([^)]*oldIndexKeysVersion[^)]*auditKeyVersion/,
    );
  });

  it('write the audit checkpoints to a file on an Azure Files share of their own, mounted into the app and the keys job', () => {
    assert.match(MAIN, /\{ name: 'VARNA_AUDIT_CHECKPOINT_FILE', value: '\$\{auditDir\}\/checkpoints\.jsonl' \}/);
    assert.match(MAIN, /resource auditShare 'Microsoft\.Storage\/storageAccounts\/fileServices\/shares@[\d-]+'/);
    assert.match(
      MAIN,
      /resource auditMount 'Microsoft\.App\/managedEnvironments\/storages@[\d-]+' = \{[^]*?azureFile: \{[^]*?shareName: auditShare\.name/,
    );
    assert.match(MAIN, /storageType: 'AzureFile'\n\s*storageName: auditMount\.name/);
    assert.match(MAIN, /networkAcls: \{\n\s*defaultAction: 'Deny'[^]*?virtualNetworkRules: \[\{ id: '\$\{vnet\.id\}\/subnets\/apps'/);
    const mounts = [...MAIN.matchAll(/volumeMounts: \[([^\]]*)\]/g)]
      .map((m) => m[1]!)
      .filter((m) => m.includes("volumeName: 'audit', mountPath: auditDir"));
    assert.equal(mounts.length, 2, 'the app and the keys job');
  });

  it('run the keys job with the compiled CLI (the image has no tsx)', () => {
    assert.match(MAIN, /name: 'keys'\n\s*image: image\n(\s*\/\/.*\n)?\s*command: \['node', 'dist\/src\/cli\/keys-rotate\.js'\]/);
    assert.doesNotMatch(MAIN, /'npm', 'run'/);
  });

  it('can start Värna with the outbox paused after a restore (VARNA_OUTBOX_PAUSED), off by default', () => {
    assert.match(MAIN, /@allowed\(\['0', '1'\]\)\nparam outboxPaused string = '0'/);
    assert.match(MAIN, /\{ name: 'VARNA_OUTBOX_PAUSED', value: outboxPaused \}/);
    assert.match(MAIN_PARAMS, /^param outboxPaused = readEnvironmentVariable\('VARNA_OUTBOX_PAUSED', '0'\)$/m);
  });

  it('never reset the key id or the tenant: neither has a default, and both come from the environment without a fallback', () => {
    assert.match(MAIN, /^param dataKeyId string$/m);
    assert.match(MAIN, /^param tenantId string$/m);
    assert.match(MAIN_PARAMS, /^param dataKeyId = readEnvironmentVariable\('VARNA_DATA_KEY_ID'\)$/m);
    assert.match(MAIN_PARAMS, /^param tenantId = readEnvironmentVariable\('BOT_TENANT_ID'\)$/m);
    assert.match(MAIN, /\{ name: 'VARNA_DATA_KEY_ID', value: dataKeyId \}/);
  });

  it('keep the Key Vault off the internet: public access off, read by the app through a private endpoint', () => {
    assert.match(VAULT, /publicNetworkAccess: 'Disabled'/);
    assert.match(VAULT, /networkAcls: \{ defaultAction: 'Deny', bypass: 'None' \}/);
    assert.match(
      MAIN,
      /resource vaultEndpoint 'Microsoft\.Network\/privateEndpoints@[\d-]+' = \{[^]*?privateLinkServiceId: vault\.id[^]*?groupIds: \['vault'\]/,
    );
    assert.match(MAIN, /name: 'privatelink\.vaultcore\.azure\.net'/);
  });

  it("connect to PostgreSQL as Värna's own role with the server's certificate checked, never as the administrator", () => {
    assert.match(MAIN, /var storeUrl = 'postgres:\/\/\$\{appRole\}@[^']*\?sslmode=verify-full'/);
    assert.match(MAIN, /var appRole = 'varna_app'/);
    // The administrator's password reaches the server and the database set-up job, nothing else.
    const uses = MAIN.split('\n').filter((l) => /\bpostgresAdminPassword\b/.test(l) && !/^param |^@/.test(l.trim()));
    assert.deepEqual(
      uses.map((l) => l.trim()),
      ['administratorLoginPassword: postgresAdminPassword', "{ name: 'admin-password', value: postgresAdminPassword }"],
    );
  });
});
