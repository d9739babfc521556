/**
 * What `npm run docker:check` uses: the list of checks with their
 * `ok`/`FAILED` lines and summary, the throwaway secrets a production start needs, a free port.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

export const results: { ok: boolean; what: string; detail?: string }[] = [];
/** What was not checked, and why (printed after the summary). */
export const skipped: string[] = [];

export function check(ok: boolean, what: string, detail?: string): boolean {
  results.push(detail === undefined ? { ok, what } : { ok, what, detail });
  console.log(`  ${ok ? 'ok    ' : 'FAILED'}  ${what}${detail ? ` (${detail})` : ''}`);
  return ok;
}

export function note(text: string): void {
  console.log(`  ·       ${text}`);
}

/** Prints the summary (every check, then `notChecked` under its heading); the exit code: 1 if any check failed. */
export function summary(started: number, notChecked: { heading: string; lines: string[] }): number {
  const failed = results.filter((r) => !r.ok);
  console.log(
    `\nSummary: ${results.length - failed.length} passed, ${failed.length} failed (${Math.round((Date.now() - started) / 1000)} s)`,
  );
  for (const r of results) console.log(`  ${r.ok ? 'ok    ' : 'FAILED'}  ${r.what}`);
  if (notChecked.lines.length) {
    console.log(`\n${notChecked.heading}`);
    for (const line of notChecked.lines) console.log(`  -  ${line}`);
  }
  return failed.length ? 1 : 0;
}

/** The least a production start needs (src/config.ts): bot credentials, the keys; throwaway values. */
export function productionSecrets(): Record<string, string> {
  return {
    BOT_APP_ID: randomUUID(),
    BOT_APP_PASSWORD: randomBytes(24).toString('base64url'),
    BOT_TENANT_ID: randomUUID(),
    VARNA_DATA_KEY: randomBytes(32).toString('base64'),
    VARNA_INDEX_KEY: randomBytes(32).toString('base64'),
    VARNA_PUBLIC_URL: 'https://varna.exempel.se',
    VARNA_AUDIT_KEY: randomBytes(32).toString('base64'),
  };
}

/** A port free on 127.0.0.1 just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
