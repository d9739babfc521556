/**
 * `npm run backup -- <file>` (in the image: `node dist/src/cli/backup.js <file>`): a consistent copy
 * of the embedded store (SQLite, VARNA_STORE_URL) to <file>, while Värna runs. The running Värna
 * takes it on its own connection (src/services/backup.ts); when none runs, this process copies the
 * file itself. The copy is encrypted like the store: restoring it needs the same keys
 * (VARNA_DATA_KEY and VARNA_INDEX_KEY with their ids, and the old keys configured at the time).
 * The README says how to restore. PostgreSQL: use the server's backups (docs/deployment.md).
 *
 * Exit codes: 0 the backup is complete at <file>, 1 it failed (nothing is left at <file>),
 * 2 wrong use (no file, a PostgreSQL store, the file exists already).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { backupSocketOf, backupTo, requestBackup } from '../services/backup';

const say = (line: string) => void process.stdout.write(`${line}\n`);

export async function backup(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const target = args.find((a) => !a.startsWith('-'));
  const url = env.VARNA_STORE_URL || 'sqlite:data/varna.db';
  if (!target) {
    say('usage: npm run backup -- <file>   (a new file; the store is VARNA_STORE_URL, default sqlite:data/varna.db)');
    return 2;
  }
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') {
    say(
      'npm run backup copies the embedded store (sqlite:<file>). For PostgreSQL use the server\'s backups: docs/deployment.md, "Backups and restore".',
    );
    return 2;
  }
  const dest = resolve(target);
  const store = resolve(url.slice('sqlite:'.length));
  if (existsSync(dest)) {
    say(`${dest} exists already; a backup never overwrites a file. Give a new name.`);
    return 2;
  }
  if (!existsSync(store)) {
    say(`${store}: no such store (VARNA_STORE_URL)`);
    return 1;
  }
  const answer = await requestBackup(backupSocketOf(store), dest);
  if (answer) {
    if (answer.ok) say(`${dest}: backup of ${store} complete, taken by the running Värna.`);
    else say(`Backup failed: ${answer.error ?? 'no reason given'} (nothing was written to ${dest})`);
    return answer.ok ? 0 : 1;
  }
  // No Värna running on this file: copy it here (read-only; a Värna that starts meanwhile waits for the lock).
  let db: SqliteDatabase.Database | undefined;
  try {
    db = new SqliteDatabase(store, { readonly: true, fileMustExist: true, timeout: 5000 });
    const open = db;
    await backupTo(async (to) => void (await open.backup(to)), dest);
    say(`${dest}: backup of ${store} complete (Värna was not running).`);
    return 0;
  } catch (error) {
    const busy = (error as { code?: string }).code === 'SQLITE_BUSY';
    say(
      busy
        ? `Backup failed: ${store} is held by a Värna process that does not answer on ${backupSocketOf(store)} (an older version?): stop it, or upgrade it.`
        : `Backup failed: ${(error as Error).message}`,
    );
    return 1;
  } finally {
    db?.close();
  }
}

if (require.main === module)
  void backup(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      say(`Backup failed: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
