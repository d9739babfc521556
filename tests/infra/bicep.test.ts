import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBicep, type Problem } from '../../scripts/bicep-check';

// The checker's own behaviour is shown on a frozen copy of an earlier infra/main.bicep and its
// parameter file (tests/infra/fixtures/), so that its line numbers and error recovery stay put
// while the real template changes; the real templates are checked at the end.
const TEMPLATE = readFileSync('tests/infra/fixtures/main.bicep', 'utf8');
const PARAMS = readFileSync('tests/infra/fixtures/main.bicepparam', 'utf8');

/** `text` with `from` (which must occur exactly once) replaced by `to`, and the line the edit starts on. */
function edit(text: string, from: string, to: string): { text: string; line: number } {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `expected exactly one "${from}" in the file`);
  return { text: text.slice(0, at) + to + text.slice(at + from.length), line: text.slice(0, at).split('\n').length };
}

/** `text` with lines added at the end, and the line the first of them lands on. */
function append(text: string, ...lines: string[]): { text: string; line: number } {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return { text: `${body}${lines.join('\n')}\n`, line: body.split('\n').length };
}

/** The line (1-based) of the first occurrence of `needle` in the committed template. */
const lineOf = (needle: string) => TEMPLATE.slice(0, TEMPLATE.indexOf(needle)).split('\n').length;

const show = (problems: Problem[]) => problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n') || '(no problems)';

/** Exactly these problems: [file, line, message pattern]. */
function assertProblems(problems: Problem[], ...expected: [Problem['file'], number, RegExp][]): void {
  assert.equal(problems.length, expected.length, `expected ${expected.length} problem(s), got:\n${show(problems)}`);
  for (const [file, line, message] of expected) {
    assert.ok(problems.some((p) => p.file === file && p.line === line && message.test(p.message)), `expected ${file}:${line} ${message}, got:\n${show(problems)}`);
  }
}

const template = (text: string) => checkBicep(text, PARAMS);
const params = (text: string) => checkBicep(TEMPLATE, text);

describe('the Bicep check (scripts/bicep-check.ts)', () => {
  it('finds no problem in the fixture template and parameter file', async () => {
    assertProblems(await checkBicep(TEMPLATE, PARAMS));
  });

  describe('the template', () => {
    it('names the resource whose block a removed } leaves open', async () => {
      const { text } = edit(TEMPLATE, '    retentionInDays: logRetentionDays\n  }\n}\n', '    retentionInDays: logRetentionDays\n  }\n');
      const logs = lineOf('resource logs ');
      const next = lineOf('resource identity ') - 1; // one line less once the } is gone
      assertProblems(await template(text),
        ['template', logs, /syntax error at column 1: cannot read `resource logs /],
        ['template', logs, new RegExp(`'\\{' at column 71 is never closed \\(line ${next} starts a new declaration`)]);
    });

    it('reports what the grammar accepts but Bicep rejects: `=` for `==`, two properties on a line without a comma', async () => {
      const assignment = edit(TEMPLATE, 'registrationEnabled: false', "registrationEnabled: name = 'varna'");
      assertProblems(await template(assignment.text), ['template', assignment.line, /`=` inside an expression .*compares with `==`/]);
      const comma = edit(TEMPLATE, 'sku: { name: postgresSku, tier: postgresTier }', 'sku: { name: postgresSku tier: postgresTier }');
      assertProblems(await template(comma.text), ['template', comma.line, /`name: postgresSku` and `tier: postgresTier` are on one line without a comma/]);
    });

    it('reports a misspelt param where it is used, with the name that was probably meant', async () => {
      const { text, line } = edit(TEMPLATE, 'retentionInDays: logRetentionDays', 'retentionInDays: logRetentionDay');
      assertProblems(await template(text), ['template', line, /`logRetentionDay` is not declared.*did you mean `logRetentionDays`/]);
    });

    it('reports an unknown function, a param called like one, and a .bicepparam-only function', async () => {
      const unknown = edit(TEMPLATE, 'uniqueString(resourceGroup().id, name)', 'uniqString(resourceGroup().id, name)');
      assertProblems(await template(unknown.text), ['template', unknown.line, /`uniqString` is not a function Bicep knows \(did you mean `uniqueString`\?\)/]);
      const called = edit(TEMPLATE, 'uniqueString(resourceGroup().id, name)', 'name(resourceGroup().id)');
      assertProblems(await template(called.text), ['template', called.line, /`name` is a param, not a function/]);
      const env = append(TEMPLATE, "var region = readEnvironmentVariable('REGION')");
      assertProblems(await template(env.text), ['template', env.line, /readEnvironmentVariable\(\) can only be used in a \.bicepparam file/]);
    });

    it('reports an unknown decorator: a misspelt @secure() would drop the protection', async () => {
      const { text, line } = edit(TEMPLATE, '@secure()\nparam dataKey string', '@secrue()\nparam dataKey string');
      assertProblems(await template(text), ['template', line, /unknown decorator @secrue \(did you mean `secure`\?\)/]);
    });

    it('knows for-loop variables and lambda parameters inside their loop or lambda only', async () => {
      const inside = append(TEMPLATE,
        "var subnetNames = [for (subnet, i) in vnet.properties.subnets: '${i}-${subnet.name}']",
        "var upper = map(subnetNames, s => toUpper(s))",
        "var total = reduce(subnetNames, 0, (count, s) => count + length(s))");
      assertProblems(await template(inside.text));
      const outside = append(TEMPLATE,
        "var subnetNames = [for (subnet, i) in vnet.properties.subnets: '${i}-${subnet.name}']",
        'var lastSubnet = subnet',
        "var upper = map(subnetNames, s => toUpper(s) + t)");
      assertProblems(await template(outside.text),
        ['template', outside.line + 1, /`subnet` is not declared/],
        ['template', outside.line + 2, /`t` is not declared/]);
    });

    it('reports a name declared twice at the second declaration, and a property set twice', async () => {
      const twice = edit(TEMPLATE, "var databaseName = 'varna'\n", "var databaseName = 'varna'\nvar databaseName = 'varna2'\n");
      assertProblems(await template(twice.text), ['template', twice.line + 1, new RegExp(`\`databaseName\` is declared twice: var on line ${twice.line}, var here`)]);
      const clash = edit(TEMPLATE, 'resource vault ', 'resource image ');
      const problems = await template(clash.text);
      assert.ok(problems.some((p) => p.line === clash.line && new RegExp(`\`image\` is declared twice: param on line ${lineOf('param image ')}, resource here`).test(p.message)), show(problems));
      const property = edit(TEMPLATE, "    enableSoftDelete: true\n", "    enableSoftDelete: true\n    enableSoftDelete: false\n");
      assertProblems(await template(property.text), ['template', property.line + 1, new RegExp(`property \`enableSoftDelete\` is set twice in one object \\(first on line ${property.line}\\)`)]);
    });

    it('reports a declaration that refers to itself', async () => {
      const self = edit(TEMPLATE, "name: '${name}-logs'", "name: '${logs.name}-logs'");
      assertProblems(await template(self.text), ['template', 75, /`logs` refers to itself/]);
      const cycle = edit(TEMPLATE, "var databaseName = 'varna'", "var databaseName = '${postgresAdmin}-db'\nvar postgresAdminName = databaseName").text.replace("var postgresAdmin = 'varnaadmin'", 'var postgresAdmin = postgresAdminName');
      const problems = await template(cycle);
      assert.ok(problems.some((p) => /refers to itself through .* \(a cycle\)/.test(p.message)), show(problems));
    });

    it('reports a resource type without a valid api version date', async () => {
      const format = edit(TEMPLATE, "vaults@2023-07-01' = {", "vaults@2023-7-01' = {");
      assertProblems(await template(format.text), ['template', format.line, /'Microsoft\.KeyVault\/vaults@2023-7-01' does not read Provider\.Namespace\/type\[\/child\]@YYYY-MM-DD\[-preview\]: the api version '2023-7-01' is not YYYY-MM-DD/]);
      const missing = edit(TEMPLATE, "vaults@2023-07-01' = {", "vaults' = {");
      assertProblems(await template(missing.text), ['template', missing.line, /the @api-version is missing/]);
      const impossible = edit(TEMPLATE, "vaults@2023-07-01' = {", "vaults@2023-02-30' = {");
      assertProblems(await template(impossible.text), ['template', impossible.line, /2023-02-30 is not a real date/]);
      const preview = edit(TEMPLATE, "vaults@2023-07-01' = {", "vaults@2024-12-01-preview' = {");
      assertProblems(await template(preview.text));
    });

    it('requires `parent:` to name a resource of the parent type, and `existing` resources to have a name', async () => {
      const typo = edit(TEMPLATE, "parent: vault\n  name: 'varna-data-key'", "parent: vaults\n  name: 'varna-data-key'");
      assertProblems(await template(typo.text), ['template', typo.line, /`vaults` is not declared.*did you mean `vault`/]);
      const notResource = edit(TEMPLATE, "parent: vault\n  name: 'varna-data-key'", "parent: vaultUri\n  name: 'varna-data-key'");
      assertProblems(await template(notResource.text), ['template', notResource.line, /`parent` of `secretDataKey` must be a resource, but `vaultUri` is a var/]);
      const wrongType = edit(TEMPLATE, "parent: vault\n  name: 'varna-data-key'", "parent: postgres\n  name: 'varna-data-key'");
      assertProblems(await template(wrongType.text), ['template', wrongType.line, /`secretDataKey` \(Microsoft\.KeyVault\/vaults\/secrets\) cannot have `postgres` \(Microsoft\.DBforPostgreSQL\/flexibleServers\) as its parent/]);
      const nameless = edit(TEMPLATE, 'existing = {\n  name: registryName\n}', 'existing = {\n}');
      assertProblems(await template(nameless.text), ['template', nameless.line, /existing resource `registry` has no `name`/]);
      const dependsOn = edit(TEMPLATE, 'dependsOn: [pgDnsLink]', 'dependsOn: [pgDnsLink, databaseName]');
      assertProblems(await template(dependsOn.text), ['template', dependsOn.line, /`dependsOn` of `postgres` lists `databaseName`, a var/]);
    });

    it('refuses outputs that expose a secure param, directly or through a var, or a listKeys() result', async () => {
      const direct = append(TEMPLATE, 'output adminPassword string = postgresPassword');
      assertProblems(await template(direct.text),
        ['template', direct.line, /output `adminPassword` has "password" in its name/],
        ['template', direct.line, /output `adminPassword` exposes the secure param `postgresPassword`.*outputs-should-not-contain-secrets/]);
      const throughVar = append(TEMPLATE, "var botSecret = 'secret=${botAppPassword}'", 'output botConfig string = botSecret');
      assertProblems(await template(throughVar.text), ['template', throughVar.line + 1, /output `botConfig` exposes the secure param `botAppPassword` through var `botSecret`/]);
      const keys = append(TEMPLATE, 'output logsKey string = logs.listKeys().primarySharedKey');
      assertProblems(await template(keys.text), ['template', keys.line, /output `logsKey` exposes the result of listKeys\(\)/]);
      const marked = append(TEMPLATE, '@secure()', 'output logsKey string = logs.listKeys().primarySharedKey');
      assertProblems(await template(marked.text));
      const waived = append(TEMPLATE, `#disable-next-line outputs-should-not-contain-secrets`, 'output logsKey string = logs.listKeys().primarySharedKey');
      assertProblems(await template(waived.text));
    });
  });

  describe('the parameter file', () => {
    it('must point at this template', async () => {
      const { text, line } = edit(PARAMS, "using './main.bicep'", "using './other.bicep'");
      assertProblems(await params(text), ['params', line, /`using '\.\/other\.bicep'` does not point at the template \(\.\/main\.bicep\)/]);
    });

    it('must give every param that has no default value', async () => {
      const { text } = edit(PARAMS, "param botAppId = readEnvironmentVariable('BOT_APP_ID')\n", '');
      assertProblems(await params(text), ['params', 3, /param `botAppId` \(template line 25\) has no default value and is not given here/]);
    });

    it('may only give params the template declares, with the likely name for a misspelt one', async () => {
      const { text, line } = edit(PARAMS, 'param registryName =', 'param registryname =');
      assertProblems(await params(text),
        ['params', line, /param `registryname` is not declared in the template \(did you mean `registryName`\?\)/],
        ['params', 3, /param `registryName` .* has no default value and is not given here/]);
    });

    it('takes a secure param from the environment only, never from text written in the file', async () => {
      const literal = edit(PARAMS, "param dataKey = readEnvironmentVariable('VARNA_DATA_KEY')", "param dataKey = 'c2VjcmV0'");
      assertProblems(await params(literal.text), ['params', literal.line, /secure param `dataKey` must come from readEnvironmentVariable\('\.\.\.'\) or getSecret\(\.\.\.\), never from text written in this file/]);
      const fallback = edit(PARAMS, "readEnvironmentVariable('VARNA_PG_PASSWORD')", "readEnvironmentVariable('VARNA_PG_PASSWORD', 'hunter2')");
      assertProblems(await params(fallback.text), ['params', fallback.line, /secure param `postgresPassword` falls back to a value written in this file/]);
      const built = edit(PARAMS, "param indexKey = readEnvironmentVariable('VARNA_INDEX_KEY')", "param indexKey = '${readEnvironmentVariable('VARNA_INDEX_KEY')}=='");
      assertProblems(await params(built.text), ['params', built.line, /secure param `indexKey` must come from readEnvironmentVariable/]);
    });

    it('checks a written-out value against the param\'s type and decorators', async () => {
      const tooMany = edit(PARAMS, 'param replicas = 2', 'param replicas = 20');
      assertProblems(await params(tooMany.text), ['params', tooMany.line, /param `replicas`: the value 20 is above @maxValue\(10\)/]);
      const text = edit(PARAMS, 'param replicas = 2', "param replicas = readEnvironmentVariable('VARNA_REPLICAS')");
      assertProblems(await params(text.text), ['params', text.line, /param `replicas`: the value is a string, but the param is an int \(e\.g\. int\(readEnvironmentVariable\(\.\.\.\)\) converts\)/]);
      const short = edit(PARAMS, "param name = 'varna-exempel'", "param name = 'vx'");
      assertProblems(await params(short.text), ['params', short.line, /param `name`: the value 'vx' is shorter than @minLength\(3\)/]);
      const typed = edit(PARAMS, 'param replicas = 2', 'param replicas int = 2');
      assertProblems(await params(typed.text), ['params', typed.line, /a param line reads `param <name> = <value>` \(no type/]);
    });

    it('reports a broken line on that line, without hiding the lines after it', async () => {
      const { text, line } = edit(PARAMS, "readEnvironmentVariable('BOT_APP_ID')", "readEnvironmentVariable('BOT_APP_ID'");
      assertProblems(await params(text),
        ['params', line, /'\(' at column 41 is never closed \(line 10 starts a new declaration/],
        ['params', line, /syntax error .*expected '\)'/]);
      const unknown = edit(PARAMS, "readEnvironmentVariable('BOT_APP_ID')", "readEnvVar('BOT_APP_ID')");
      assertProblems(await params(unknown.text), ['params', unknown.line, /`readEnvVar` is not a function Bicep knows/]);
    });
  });

  describe('npx tsx scripts/bicep-check.ts', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'varna-bicep-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const run = (...files: string[]) => spawnSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/bicep-check.ts', ...files], { encoding: 'utf8' });

    it('checks every committed template, prints ok for each and exits 0', () => {
      const result = run();
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^ok: infra\/main\.bicep and infra\/main\.bicepparam pass/);
      assert.match(result.stdout, /\nok: infra\/secret\.bicep and infra\/secret\.bicepparam pass/);
      assert.match(result.stdout, /\nok: infra\/vault\.bicep passes/);
    });

    it('prints each problem as file:line and exits 1', () => {
      writeFileSync(join(dir, 'main.bicep'), edit(TEMPLATE, 'retentionInDays: logRetentionDays', 'retentionInDays: logRetentionDay').text);
      writeFileSync(join(dir, 'main.bicepparam'), PARAMS);
      const result = run(join(dir, 'main.bicep'), join(dir, 'main.bicepparam'));
      assert.equal(result.status, 1, result.stdout);
      assert.equal(result.stderr, `${join(dir, 'main.bicep')}:80: \`logRetentionDay\` is not declared: no param, var, resource, module, loop variable or lambda parameter has that name (did you mean \`logRetentionDays\`?)\n1 problem\n`);
    });
  });
});

describe('the committed Azure templates (infra/)', () => {
  const MAIN = readFileSync('infra/main.bicep', 'utf8');
  const MAIN_PARAMS = readFileSync('infra/main.bicepparam', 'utf8');
  const VAULT = readFileSync('infra/vault.bicep', 'utf8');
  const SECRET = readFileSync('infra/secret.bicep', 'utf8');
  const SECRET_PARAMS = readFileSync('infra/secret.bicepparam', 'utf8');

  it('pass the Bicep check: main.bicep, vault.bicep and secret.bicep with their parameter files', async () => {
    assertProblems(await checkBicep(MAIN, MAIN_PARAMS));
    assertProblems(await checkBicep(VAULT));
    assertProblems(await checkBicep(SECRET, SECRET_PARAMS, { using: './secret.bicep' }));
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

  it('give the app every key production needs, each with its id: the audit key (production does not start without it) and the index key\'s id, and the retired ones', () => {
    const env = (name: string) => new RegExp(`\\{ name: '${name}', (value|secretRef): ([^ ]+) \\}`).exec(MAIN)?.slice(1);
    assert.deepEqual(env('VARNA_AUDIT_KEY'), ['secretRef', "'audit-key'"]);
    assert.deepEqual(env('VARNA_AUDIT_KEY_ID'), ['value', 'auditKeyId']);
    assert.deepEqual(env('VARNA_INDEX_KEY_ID'), ['value', 'indexKeyId']);
    assert.deepEqual(env('VARNA_OLD_INDEX_KEYS'), ['secretRef', "'old-index-keys'"]);
    assert.deepEqual(env('VARNA_OLD_AUDIT_KEYS'), ['secretRef', "'old-audit-keys'"]);
    // Like the data key's id: no default, and from the environment without a fallback.
    for (const [param, variable] of [['auditKeyId', 'VARNA_AUDIT_KEY_ID'], ['indexKeyId', 'VARNA_INDEX_KEY_ID'], ['auditKeyVersion', 'VARNA_AUDIT_KEY_VERSION']]) {
      assert.match(MAIN, new RegExp(`^param ${param} string$`, 'm'));
      assert.match(MAIN_PARAMS, new RegExp(`^param ${param} = readEnvironmentVariable\\('${variable}'\\)$`, 'm'));
    }
    // A new version of any key starts new instances.
    assert.match(MAIN, /VARNA_SECRETS_VERSION', value: uniqueString\([^)]*auditKeyVersion[^)]*oldIndexKeysVersion|VARNA_SECRETS_VERSION', value: uniqueString\([^)]*oldIndexKeysVersion[^)]*auditKeyVersion/);
  });

  it('write the audit checkpoints to a file on an Azure Files share of their own, mounted into the app and the keys job', () => {
    assert.match(MAIN, /\{ name: 'VARNA_AUDIT_CHECKPOINT_FILE', value: '\$\{auditDir\}\/checkpoints\.jsonl' \}/);
    assert.match(MAIN, /resource auditShare 'Microsoft\.Storage\/storageAccounts\/fileServices\/shares@[\d-]+'/);
    assert.match(MAIN, /resource auditMount 'Microsoft\.App\/managedEnvironments\/storages@[\d-]+' = \{[^]*?azureFile: \{[^]*?shareName: auditShare\.name/);
    assert.match(MAIN, /storageType: 'AzureFile'\n\s*storageName: auditMount\.name/);
    assert.match(MAIN, /networkAcls: \{\n\s*defaultAction: 'Deny'[^]*?virtualNetworkRules: \[\{ id: '\$\{vnet\.id\}\/subnets\/apps'/);
    const mounts = [...MAIN.matchAll(/volumeMounts: \[([^\]]*)\]/g)].map((m) => m[1]!).filter((m) => m.includes("volumeName: 'audit', mountPath: auditDir"));
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
    assert.match(MAIN, /resource vaultEndpoint 'Microsoft\.Network\/privateEndpoints@[\d-]+' = \{[^]*?privateLinkServiceId: vault\.id[^]*?groupIds: \['vault'\]/);
    assert.match(MAIN, /name: 'privatelink\.vaultcore\.azure\.net'/);
  });

  it('connect to PostgreSQL as Värna\'s own role with the server\'s certificate checked, never as the administrator', () => {
    assert.match(MAIN, /var storeUrl = 'postgres:\/\/\$\{appRole\}@[^']*\?sslmode=verify-full'/);
    assert.match(MAIN, /var appRole = 'varna_app'/);
    // The administrator's password reaches the server and the database set-up job, nothing else.
    const uses = MAIN.split('\n').filter((l) => /\bpostgresAdminPassword\b/.test(l) && !/^param |^@/.test(l.trim()));
    assert.deepEqual(uses.map((l) => l.trim()), [
      'administratorLoginPassword: postgresAdminPassword',
      "{ name: 'admin-password', value: postgresAdminPassword }",
    ]);
  });
});
