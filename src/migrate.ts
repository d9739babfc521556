import { z } from 'zod/v4';
import { createLogger } from './log';
import { StoreLockedError, openDb } from './services/store/db';
import { NewerDatabaseError, appliedMigrations, migrate } from './services/store';

/**
 * `node dist/src/migrate.js` (`npm run migrate`): brings the store named by VARNA_STORE_URL to this
 * version's schema and exits. On Azure it is the upgrade's first step, a Container Apps job that runs
 * before the new version starts (infra/deploy.sh), so that a long migration has its own time limit
 * instead of the app's startup probe. Värna still migrates at start; after this it finds nothing to do.
 * It needs the store only: no bot credentials, keys or municipality file.
 *
 * Exit codes: 0 done (also when there was nothing to do), 1 the migration failed, 2 the environment
 * is wrong, 3 the SQLite file is in use by a running Värna, 4 the database was migrated by a newer
 * Värna (a rollback: start that version, or restore the pre-upgrade backup).
 */
const MigrateEnv = z.object({
  VARNA_STORE_URL: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://')
    .default('sqlite:data/varna.db'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export async function runMigrations(source: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = MigrateEnv.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    console.error(
      `Invalid configuration:\n${parsed.error.issues.map((i) => `  - environment ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
    return 2;
  }
  const env = parsed.data;
  const log = createLogger(env.LOG_LEVEL);
  let handle;
  try {
    // No time limit per statement: filling a new table from a large store can take minutes.
    handle = await openDb(env.VARNA_STORE_URL, { noQueryTimeout: true });
  } catch (error) {
    if (error instanceof StoreLockedError) {
      console.error(`Cannot migrate: ${error.message}`);
      return 3;
    }
    log.error({ event: 'migrate.failed', err: error }, 'cannot open the store');
    console.error(`Cannot migrate: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
  try {
    const before = await appliedMigrations(handle.db);
    log.info({ event: 'migrate.started', store: handle.dialect, where: handle.where, applied: before }, 'migrating the store');
    await migrate(handle.db, handle.dialect);
    const after = await appliedMigrations(handle.db);
    log.info(
      { event: 'migrate.done', store: handle.dialect, where: handle.where, ran: after - before, applied: after },
      `store migrated: ${after - before} migration(s) run, ${after} in all`,
    );
    return 0;
  } catch (error) {
    if (error instanceof NewerDatabaseError) {
      log.error({ event: 'migrate.newer-database', unknown: error.unknown.join(',') }, 'the database was migrated by a newer Värna');
      console.error(`Cannot migrate: ${error.message}`);
      return 4;
    }
    log.error({ event: 'migrate.failed', err: error }, 'migration failed');
    console.error(`Migration failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await handle.close();
  }
}

if (require.main === module) void runMigrations().then((code) => process.exit(code));
