import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { isAbsolute } from 'node:path';
import type { Logger } from '../log';
import type { Store } from './store';

/**
 * `npm run backup <file>` on the embedded store (SQLite). Värna holds its SQLite file with an
 * exclusive lock (one process per file), so no other process can read it while Värna runs. The
 * running Värna therefore takes the copy itself: it listens on a Unix socket next to the file
 * (`<store>.backup.sock`, readable by the file's owner only, like the file), and `npm run backup`
 * asks there. The copy is SQLite's online backup on Värna's own connection: consistent at one
 * moment, while reports keep coming in. It is written to `<file>.partial` and renamed when
 * complete, so a file at the given path is always a whole backup. When Värna is not running,
 * `npm run backup` opens the file and copies it itself.
 */
export const backupSocketOf = (storePath: string): string => `${storePath}.backup.sock`;

export interface BackupResult {
  ok: boolean;
  error?: string;
}

/** The copy itself: to a temporary name first, then renamed; never over an existing file. */
export async function backupTo(backup: (dest: string) => Promise<void>, dest: string): Promise<void> {
  if (!isAbsolute(dest)) throw new Error(`the backup path must be absolute: ${dest}`);
  if (existsSync(dest)) throw new Error(`${dest} exists already; a backup never overwrites a file`);
  const partial = `${dest}.partial`;
  try {
    await backup(partial);
    renameSync(partial, dest);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** In the running Värna (SQLite on a file): answers backup requests on the socket. */
export async function serveBackups(store: Store, log: Logger): Promise<Server | undefined> {
  const backup = store.backup;
  if (store.dialect !== 'sqlite' || !backup || store.where === ':memory:') return undefined;
  const socket = backupSocketOf(store.where);
  // Left by a process that died: this process holds the store's lock, so no other one listens there.
  rmSync(socket, { force: true });
  const server = createServer((conn) => {
    let input = '';
    conn.setEncoding('utf8');
    conn.on('error', () => undefined);
    conn.on('data', (chunk: string) => {
      input += chunk;
      if (!input.includes('\n') || input.length > 8192) return;
      let dest = '';
      try {
        dest = String((JSON.parse(input.slice(0, input.indexOf('\n'))) as { backup?: unknown }).backup ?? '');
      } catch {
        conn.end(`${JSON.stringify({ ok: false, error: 'not a backup request' })}\n`);
        return;
      }
      const started = Date.now();
      backupTo(backup, dest).then(
        () => {
          log.info({ event: 'backup.done', dest, ms: Date.now() - started }, 'store backed up');
          conn.end(`${JSON.stringify({ ok: true })}\n`);
        },
        (error: unknown) => {
          log.error({ event: 'backup.failed', dest, err: error }, 'store backup failed');
          conn.end(`${JSON.stringify({ ok: false, error: (error as Error).message })}\n`);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  server.on('error', (error) => log.error({ event: 'backup.socket', err: error }, 'backup socket error'));
  chmodSync(socket, 0o600);
  return server;
}

/** In `npm run backup`: asks the running Värna; undefined when none listens on the socket. */
export function requestBackup(socket: string, dest: string): Promise<BackupResult | undefined> {
  return new Promise((resolve) => {
    if (!existsSync(socket)) return resolve(undefined);
    const conn = createConnection(socket);
    let answer = '';
    let connected = false;
    conn.setEncoding('utf8');
    conn.on('connect', () => {
      connected = true;
      conn.write(`${JSON.stringify({ backup: dest })}\n`);
    });
    conn.on('data', (chunk: string) => (answer += chunk));
    conn.on('end', () => {
      try {
        resolve(JSON.parse(answer) as BackupResult);
      } catch {
        resolve({ ok: false, error: 'Värna closed the connection without an answer' });
      }
    });
    // Nobody listening (a socket file left by a process that died): not running.
    conn.on('error', (error) => resolve(connected ? { ok: false, error: error.message } : undefined));
  });
}
