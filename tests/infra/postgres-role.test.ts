import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { createLogger } from '../../src/log';
import { makePgCoordinator } from '../../src/services/coordinator';
import { openStore } from '../../src/services/store';
import { testPgUrl, testStoreKind } from '../support/store';

const hasPsql = spawnSync('psql', ['--version']).status === 0;

/** A connection string for `database` on the test server, as `user`. */
function urlFor(user: string, database: string): string {
  const url = new URL(testPgUrl);
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
}

async function asSuperuser<T>(fn: (c: Client) => Promise<T>, database?: string): Promise<T> {
  const client = new Client({ connectionString: database ? urlFor(new URL(testPgUrl).username || 'postgres', database) : testPgUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** psql as Azure's pipeline runs it: infra/postgres-app-role.sql, stopping at the first error. */
function runRoleScript(admin: string, database: string, role: string, password: string) {
  const url = new URL(testPgUrl);
  return spawnSync(
    'psql',
    ['-X', '-q', '-v', `app_role=${role}`, '-v', 'app_schema=varna', '-v', `app_password=${password}`, '-f', 'infra/postgres-app-role.sql'],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port || '5432',
        PGUSER: admin,
        PGDATABASE: database,
        PGPASSWORD: url.password,
      },
    },
  );
}

describe("Värna's own PostgreSQL role (infra/postgres-app-role.sql, the db-setup job)", function () {
  this.timeout(60_000);
  const tag = randomBytes(4).toString('hex');
  const admin = `t_admin_${tag}`;
  const database = `t_db_${tag}`;
  const role = `t_app_${tag}`;

  before(async function () {
    if (testStoreKind !== 'postgres' || !hasPsql) this.skip();
    // An administrator with the rights Azure's server admin has: CREATEROLE and CREATEDB, not SUPERUSER.
    await asSuperuser(async (c) => {
      await c.query(`create role ${admin} login createrole createdb`);
      // Azure creates the database (infra/main.bicep) owned by that administrator.
      await c.query(`create database ${database} owner ${admin}`);
    });
  });

  after(async function () {
    if (testStoreKind !== 'postgres' || !hasPsql) return;
    await asSuperuser(async (c) => {
      await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [database]);
      await c.query(`drop database if exists ${database}`);
      await c.query(`drop role if exists ${role}`);
      await c.query(`drop role if exists ${admin}`);
    });
  });

  it("is created by the administrator, runs again without error (a password rotation), and has none of the administrator's rights", async () => {
    const first = runRoleScript(admin, database, role, 'first-password');
    assert.equal(first.status, 0, first.stderr);
    const again = runRoleScript(admin, database, role, 'rotated-password');
    assert.equal(again.status, 0, again.stderr);
    const rights = await asSuperuser(
      async (c) =>
        (
          await c.query(
            'select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin from pg_roles where rolname = $1',
            [role],
          )
        ).rows[0],
    );
    assert.deepEqual(rights, {
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      rolbypassrls: false,
      rolcanlogin: true,
    });
    const adminMember = await asSuperuser(
      async (c) =>
        (
          await c.query(
            `select count(*)::int as n from pg_auth_members m join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member where u.rolname = $1 and r.rolname in ('azure_pg_admin', 'pg_read_all_data', 'pg_write_all_data')`,
            [role],
          )
        ).rows[0].n,
    );
    assert.equal(adminMember, 0);
  });

  it('is all Värna needs: its tables, migrations and job queue work as that role, and it cannot create roles or databases', async () => {
    assert.equal(runRoleScript(admin, database, role, 'a-password').status, 0);
    const url = urlFor(role, database);
    const store = await openStore(url);
    try {
      await store.kv.write('probe', 'x', undefined, new Date());
      assert.equal((await store.kv.read(['probe'])).get('probe')?.value, 'x');
    } finally {
      await store.close();
    }
    const queue = makePgCoordinator({ storeUrl: url, schema: 'pgboss', failoverSeconds: 60, log: createLogger('silent') });
    await queue.start();
    await queue.stop();
    const owned = await asSuperuser(
      async (c) =>
        (
          await c.query(
            `select schemaname, count(*)::int as n from pg_tables where tableowner = $1 group by schemaname order by schemaname`,
            [role],
          )
        ).rows,
      database,
    );
    assert.deepEqual(
      owned.map((r: { schemaname: string }) => r.schemaname),
      ['pgboss', 'varna'],
      JSON.stringify(owned),
    );
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await assert.rejects(client.query(`create role t_probe_${tag}`), /permission denied/);
      await assert.rejects(client.query(`create database t_probe_${tag}`), /permission denied/);
      await assert.rejects(client.query(`alter role ${role} superuser`), /permission denied|must be superuser/);
    } finally {
      await client.end();
    }
  });
});
