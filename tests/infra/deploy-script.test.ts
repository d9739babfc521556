import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * infra/deploy.sh and infra/put-secret.sh, run by bash against a stand-in for the Azure CLI that
 * records every call and answers as Azure would. What is checked is the order of the steps an
 * installation, an upgrade and a configuration change take, and what reaches Azure; not Azure.
 */
const STUB_AZ = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$STUB_DIR/calls"
case "$*" in
  "containerapp job show"*"-n varna-test-db-setup"*) [ -f "$STUB_DIR/installed" ] && echo varna-test-db-setup || { echo "ResourceNotFound" >&2; exit 3; } ;;
  "containerapp job show"*"-n varna-test-migrate"*) cat "$STUB_DIR/image" ;;
  "containerapp job update"*) ;;
  "containerapp show"*"VARNA_DATA_KEY_ID"*) cat "$STUB_DIR/running_id" 2>/dev/null || true ;;
  "containerapp show"*"'data-key'"*) cat "$STUB_DIR/running_key" 2>/dev/null || true ;;
  "containerapp show"*"'old-data-keys'"*) cat "$STUB_DIR/running_old" 2>/dev/null || true ;;
  "containerapp show"*"'db-password'"*) cat "$STUB_DIR/running_db" 2>/dev/null || true ;;
  "identity show"*) echo "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/varna-test-id" ;;
  "containerapp job secret set"*) ;;
  "containerapp job start"*) echo "exec-1" ;;
  "containerapp job execution show"*) cat "$STUB_DIR/status" ;;
  "deployment group create"*"infra/main.bicepparam"*)
    { echo "VARNA_START=$VARNA_START"; echo "YAML=$VARNA_MUNICIPALITY_YAML"; echo "PG=$SECRET_PG_ADMIN_PASSWORD"; echo "BOT_APP_TYPE=$BOT_APP_TYPE"; } >> "$STUB_DIR/deployments"
    printf '%s\\n%s\\n' 11111111-2222-4333-8444-555555555555 https://varna-test-app.example.swedencentral.azurecontainerapps.io ;;
  "deployment group create"*"infra/secret.bicepparam"*) echo "$VARNA_SECRET_NAME=$VARNA_SECRET_VALUE" >> "$STUB_DIR/secrets"; echo 0123456789abcdef ;;
  *) echo "unexpected: az $*" >&2; exit 9 ;;
esac
`;

const FILLED: Record<string, string> = {
  AZURE_RESOURCE_GROUP_NAME: 'rg-test',
  VARNA_NAME: 'varna-test',
  VARNA_ACR: 'testacr',
  VARNA_VERSION: '1.1.0',
  BOT_TENANT_ID: '6f1c2a10-0000-4000-8000-0000000000aa',
  VARNA_KEY_VAULT: 'kvvarnatest12345678',
  VARNA_DATA_KEY_VERSION: 'd1',
  VARNA_INDEX_KEY_VERSION: 'i1',
  VARNA_AUDIT_KEY_VERSION: 'a1',
  VARNA_DB_PASSWORD_VERSION: 'p1',
  VARNA_MUNICIPALITY_FILE: 'config/municipality.test.yaml',
};
const NEW_IMAGE = 'testacr.azurecr.io/varna:1.1.0';
const OLD_IMAGE = 'testacr.azurecr.io/varna:1.0.0';

describe('infra/deploy.sh: one command installs, upgrades and reconfigures, in a safe order', function () {
  this.timeout(30_000);
  let repo: string;
  let stub: string;

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'varna-deploy-'));
    stub = join(repo, 'stub');
    for (const dir of ['infra', 'env', 'config', 'bin', 'stub']) mkdirSync(join(repo, dir));
    for (const f of ['deploy.sh', 'put-secret.sh', 'lib.sh']) copyFileSync(join('infra', f), join(repo, 'infra', f));
    // The committed environment file, filled in as docs/deployment.md says.
    let env = readFileSync('env/.env.prod', 'utf8');
    for (const [key, value] of Object.entries(FILLED)) {
      assert.match(env, new RegExp(`^${key}=`, 'm'), `env/.env.prod has no ${key}`);
      env = env.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`);
    }
    writeFileSync(join(repo, 'env', '.env.test'), env);
    writeFileSync(join(repo, 'env', '.env.test.user'), 'SECRET_PG_ADMIN_PASSWORD=admin-pw\n');
    writeFileSync(join(repo, FILLED.VARNA_MUNICIPALITY_FILE!), 'municipality:\n  name: Testkommun\n');
    writeFileSync(join(repo, 'bin', 'az'), STUB_AZ);
    chmodSync(join(repo, 'bin', 'az'), 0o755);
    writeFileSync(join(stub, 'status'), 'Succeeded\n');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  const run = (script: string, args: string[], input?: string) =>
    spawnSync('bash', [join(repo, 'infra', script), ...args], {
      encoding: 'utf8',
      input,
      env: { PATH: `${join(repo, 'bin')}:${process.env.PATH}`, HOME: repo, STUB_DIR: stub, VARNA_POLL_SECONDS: '0' },
    });
  const calls = () => (existsSync(join(stub, 'calls')) ? readFileSync(join(stub, 'calls'), 'utf8').trim().split('\n') : []);
  const kinds = () =>
    calls()
      .filter((c) => !c.startsWith('containerapp show'))
      .map((c) => {
        if (c.startsWith('deployment group create')) return 'deploy';
        if (c.startsWith('identity show')) return 'identity';
        const m = /^containerapp job (show|update|start|execution show|secret set) .*-n (\S+)/.exec(c);
        return m ? `${m[1]} ${m[2]}` : c;
      });
  const deployments = () => readFileSync(join(stub, 'deployments'), 'utf8');
  /** Värna as it runs now: installed, with this image and data key (id, Key Vault versions). */
  const running = (image: string, id = 'k1', key = 'd1', old = '') => {
    writeFileSync(join(stub, 'installed'), '');
    writeFileSync(join(stub, 'image'), `${image}\n`);
    writeFileSync(join(stub, 'running_id'), `${id}\n`);
    writeFileSync(join(stub, 'running_key'), `https://kvvarnatest12345678.vault.azure.net/secrets/varna-data-key/${key}\n`);
    writeFileSync(
      join(stub, 'running_old'),
      old ? `https://kvvarnatest12345678.vault.azure.net/secrets/varna-old-data-keys/${old}\n` : '\n',
    );
    writeFileSync(join(stub, 'running_db'), 'https://kvvarnatest12345678.vault.azure.net/secrets/varna-db-password/p1\n');
  };
  const setEnv = (values: Record<string, string>) => {
    let env = readFileSync(join(repo, 'env', '.env.test'), 'utf8');
    for (const [k, v] of Object.entries(values)) env = env.replace(new RegExp(`^${k}=.*$`, 'm'), `${k}=${v}`);
    writeFileSync(join(repo, 'env', '.env.test'), env);
  };
  const envFile = () => readFileSync(join(repo, 'env', '.env.test'), 'utf8');

  it('installs the first time: the resources with Värna stopped, then its database role, then Värna started', () => {
    const result = run('deploy.sh', ['test']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(kinds(), [
      'show varna-test-db-setup',
      'deploy',
      'start varna-test-db-setup',
      'execution show varna-test-db-setup',
      'deploy',
    ]);
    assert.deepEqual(deployments().match(/VARNA_START=\w+/g), ['VARNA_START=false', 'VARNA_START=true']);
    // The municipality file and the administrator password reach the template through the environment.
    assert.match(deployments(), /YAML=municipality:\n {2}name: Testkommun\n/);
    assert.match(deployments(), /PG=admin-pw\n/);
    assert.match(deployments(), /BOT_APP_TYPE=UserAssignedMSI/);
    assert.ok(!calls().some((c) => c.includes('admin-pw') || c.includes('Testkommun')), 'no secret and no file content on a command line');
    // The bot's id (for the Teams app package) and the public address are written back.
    assert.match(envFile(), /^BOT_APP_ID=11111111-2222-4333-8444-555555555555$/m);
    assert.match(envFile(), /^VARNA_PUBLIC_URL=https:\/\/varna-test-app\.example\.swedencentral\.azurecontainerapps\.io$/m);
  });

  it('upgrades by migrating the database first, with the running version still serving, then deploying the new one', () => {
    running(OLD_IMAGE);
    const result = run('deploy.sh', ['test']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(kinds(), [
      'show varna-test-db-setup',
      'show varna-test-migrate',
      'update varna-test-migrate',
      'start varna-test-migrate',
      'execution show varna-test-migrate',
      'deploy',
    ]);
    assert.ok(
      calls().includes(`containerapp job update -g rg-test -n varna-test-migrate --image ${NEW_IMAGE} -o none`),
      calls().join('\n'),
    );
    assert.match(result.stderr, /the database migrations first/);
  });

  it('deploys nothing when the migrations fail, and says the running version keeps serving', () => {
    running(OLD_IMAGE);
    writeFileSync(join(stub, 'status'), 'Failed\n');
    const result = run('deploy.sh', ['test']);
    assert.equal(result.status, 1);
    assert.ok(!kinds().includes('deploy'), calls().join('\n'));
    assert.match(result.stderr, /nothing else was changed, and the running version keeps serving/);
  });

  it('applies a changed municipality file or setting without a migration or an image build', () => {
    running(NEW_IMAGE);
    writeFileSync(join(repo, FILLED.VARNA_MUNICIPALITY_FILE!), 'municipality:\n  name: Testkommun\n# team ids filled in\n');
    const result = run('deploy.sh', ['test']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(kinds(), ['show varna-test-db-setup', 'show varna-test-migrate', 'deploy']);
    assert.match(deployments(), /# team ids filled in/);
  });

  it('refuses a data key change that would lose reports, whatever order the values were changed in, and deploys the complete one', () => {
    // A new key under the old id: the original mistake (reports under k1 could not be opened).
    running(NEW_IMAGE);
    setEnv({ VARNA_DATA_KEY_VERSION: 'd2' });
    const sameId = run('deploy.sh', ['test']);
    assert.equal(sameId.status, 1);
    assert.match(sameId.stderr, /a new data key needs a new id/);
    // A new id, but the old key not yet among the retired keys.
    setEnv({ VARNA_DATA_KEY_ID: 'k2' });
    const noRetired = run('deploy.sh', ['test']);
    assert.equal(noRetired.status, 1);
    assert.match(noRetired.stderr, /store varna-old-data-keys with k1:<the old key> in it first/);
    // A new id with the running key.
    setEnv({ VARNA_DATA_KEY_VERSION: 'd1', VARNA_OLD_DATA_KEYS_VERSION: 'o1' });
    const oldKey = run('deploy.sh', ['test']);
    assert.equal(oldKey.status, 1);
    assert.match(oldKey.stderr, /store the new key first/);
    assert.ok(!kinds().includes('deploy'), calls().join('\n'));
    // All three together: deployed.
    setEnv({ VARNA_DATA_KEY_VERSION: 'd2' });
    const complete = run('deploy.sh', ['test']);
    assert.equal(complete.status, 0, complete.stderr);
    assert.equal(kinds().filter((k) => k === 'deploy').length, 1);
    // Later, once no record needs k1: the retired keys change alone.
    running(NEW_IMAGE, 'k2', 'd2', 'o1');
    setEnv({ VARNA_OLD_DATA_KEYS_VERSION: '' });
    assert.equal(run('deploy.sh', ['test']).status, 0);
  });

  it('rotates the database password by giving it to the role first (the db-setup job), then deploying it', () => {
    running(NEW_IMAGE);
    setEnv({ VARNA_DB_PASSWORD_VERSION: 'p2' });
    const result = run('deploy.sh', ['test']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(kinds(), [
      'show varna-test-db-setup',
      'show varna-test-migrate',
      'identity',
      'secret set varna-test-db-setup',
      'start varna-test-db-setup',
      'execution show varna-test-db-setup',
      'deploy',
    ]);
    assert.ok(
      calls().some((c) =>
        c.includes('db-password=keyvaultref:https://kvvarnatest12345678.vault.azure.net/secrets/varna-db-password/p2,identityref:'),
      ),
      calls().join('\n'),
    );
    assert.match(result.stderr, /cannot open new database connections/);
  });

  it('names every missing value and touches nothing; a client-secret bot needs its app id and secret version', () => {
    writeFileSync(join(repo, 'env', '.env.test.user'), '');
    const result = run('deploy.sh', ['test']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /SECRET_PG_ADMIN_PASSWORD is not set/);
    assert.deepEqual(calls(), []);
    writeFileSync(join(repo, 'env', '.env.test.user'), 'SECRET_PG_ADMIN_PASSWORD=admin-pw\nBOT_APP_TYPE=SingleTenant\nBOT_APP_ID=\n');
    const secret = run('deploy.sh', ['test']);
    assert.equal(secret.status, 2);
    assert.match(secret.stderr, /BOT_APP_ID is not set/);
    assert.match(secret.stderr, /BOT_APP_PASSWORD_VERSION is not set/);
    assert.deepEqual(calls(), []);
  });

  it('checks the municipality file with config:check first, and deploys nothing when Värna would refuse it', () => {
    // Without the checkout's Node dependencies the check cannot run: it says so (the runs above).
    const skipped = run('deploy.sh', ['test']);
    assert.match(skipped.stderr, /config:check skipped: run npm ci/);
    // With them (this repository's own src and node_modules), the very schema Värna loads.
    symlinkSync(resolve('src'), join(repo, 'src'));
    symlinkSync(resolve('node_modules'), join(repo, 'node_modules'));
    rmSync(join(stub, 'calls'), { force: true });
    const refused = run('deploy.sh', ['test']);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stdout, /fel i kommunfilen, Värna startar inte med den/);
    assert.match(refused.stderr, /the municipality file has errors \(above\): nothing was deployed/);
    assert.deepEqual(calls(), []);
    copyFileSync('config/example.yaml', join(repo, FILLED.VARNA_MUNICIPALITY_FILE!));
    const passed = run('deploy.sh', ['test']);
    assert.equal(passed.status, 0, passed.stderr);
    assert.match(passed.stdout, /: OK\./);
    assert.ok(kinds().includes('deploy'), calls().join('\n'));
  });
});

describe('infra/put-secret.sh: a new secret version, recorded for the next deployment', function () {
  this.timeout(30_000);
  let repo: string;
  let stub: string;
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'varna-secret-'));
    stub = join(repo, 'stub');
    for (const dir of ['infra', 'env', 'bin', 'stub']) mkdirSync(join(repo, dir));
    for (const f of ['put-secret.sh', 'lib.sh']) copyFileSync(join('infra', f), join(repo, 'infra', f));
    writeFileSync(
      join(repo, 'env', '.env.test'),
      'AZURE_RESOURCE_GROUP_NAME=rg-test\nVARNA_KEY_VAULT=kvvarnatest12345678\nVARNA_DATA_KEY_VERSION=old\n',
    );
    writeFileSync(join(repo, 'bin', 'az'), STUB_AZ);
    chmodSync(join(repo, 'bin', 'az'), 0o755);
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));
  const run = (args: string[], input: string) =>
    spawnSync('bash', [join(repo, 'infra', 'put-secret.sh'), ...args], {
      encoding: 'utf8',
      input,
      env: { PATH: `${join(repo, 'bin')}:${process.env.PATH}`, STUB_DIR: stub },
    });
  const calls = () => (existsSync(join(stub, 'calls')) ? readFileSync(join(stub, 'calls'), 'utf8') : '');

  it('stores the value from standard input, never on a command line, and records the version', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const result = run(['test', 'varna-data-key'], `${key}\n`);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readFileSync(join(stub, 'secrets'), 'utf8'), `varna-data-key=${key}\n`);
    assert.ok(!calls().includes(key));
    assert.match(readFileSync(join(repo, 'env', '.env.test'), 'utf8'), /^VARNA_DATA_KEY_VERSION=0123456789abcdef$/m);
  });

  it('refuses a data key that is not 32 bytes, and retired keys not written id:base64', () => {
    const short = run(['test', 'varna-data-key'], Buffer.alloc(16).toString('base64'));
    assert.equal(short.status, 2);
    assert.match(short.stderr, /32 random bytes in base64/);
    const old = run(['test', 'varna-old-data-keys'], `k1${Buffer.alloc(32).toString('base64')}`);
    assert.equal(old.status, 2);
    assert.match(old.stderr, /id:base64,id:base64/);
    assert.equal(calls(), '');
    const good = run(
      ['test', 'varna-old-data-keys'],
      `k1:${Buffer.alloc(32, 1).toString('base64')},k0:${Buffer.alloc(32, 2).toString('base64')}`,
    );
    assert.equal(good.status, 0, good.stderr);
    assert.match(readFileSync(join(repo, 'env', '.env.test'), 'utf8'), /^VARNA_OLD_DATA_KEYS_VERSION=0123456789abcdef$/m);
  });
});
