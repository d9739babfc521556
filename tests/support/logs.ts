import { Writable } from 'node:stream';

/** Every log line the test suite causes, to be scanned for personal data (see hooks.ts). */
export const allLogLines: string[] = [];
/** Strings from test data (names, personnummer, free text) that must never be logged. */
export const forbidden = new Set<string>();

export function forbid(...values: string[]): void {
  for (const v of values) if (v && v.length >= 4) forbidden.add(v);
}

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      this.lines.push(line);
      allLogLines.push(line);
    }
    if (process.env.VARNA_TEST_LOGS) process.stderr.write(chunk);
    done();
  }
  events(): Array<Record<string, any>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, any>);
  }
}

export function findForbidden(lines: string[]): Array<{ value: string; line: string }> {
  const hits: Array<{ value: string; line: string }> = [];
  for (const line of lines) for (const value of forbidden) if (line.includes(value)) hits.push({ value, line: line.slice(0, 300) });
  return hits;
}
