import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log';
import type { Services } from '../services';
import { makeRateLimiter } from './gate';

/** How long refused downloads are counted before they are written to the audit log as one entry. */
const WINDOW_MS = 60_000;
/** Addresses remembered at once (rate limit and counts); the least recently seen is forgotten first. */
const MAX_SOURCES = 10_000;

export type RefusedKind = 'report.export' | 'statistics.export';

/**
 * Where a download comes from: the address the ingress in front of Värna saw (the last entry it
 * appended to X-Forwarded-For: Azure Container Apps and common reverse proxies do), or the TCP peer
 * when there is no proxy. Only ever used to count and limit refusals, never to allow anything.
 */
export function sourceOf(req: IncomingMessage): string {
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const address = forwarded.at(-1) ?? req.socket.remoteAddress ?? 'unknown';
  return /^[0-9a-fA-F:.]{2,45}$/.test(address) ? address : 'unknown';
}

/**
 * Refused downloads (a link with a wrong or expired signature) cost nothing but a keyed hash: no
 * store read, no audit row and no audit lock per request. They are counted in memory (bounded)
 * and written as ONE audit entry per minute (`export.refused`, with counts); an address that keeps
 * sending bad links is answered 429 after `burst`, refilled at `perMinute`. A valid link is never
 * limited: it is checked, and audited, one by one.
 */
export function makeDownloadGuard(s: Pick<Services, 'exports' | 'clock'>, log: Logger, { burst = 10, perMinute = 10 } = {}) {
  const limiter = makeRateLimiter(s.clock, burst, perMinute, MAX_SOURCES);
  let window:
    | {
        from: Date;
        refused: number;
        limited: number;
        expired: number;
        invalid: number;
        report: number;
        statistics: number;
        bySource: Map<string, number>;
      }
    | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const w = window;
    window = undefined;
    if (!w) return writing;
    let top: [string, number] = ['', 0];
    for (const entry of w.bySource) if (entry[1] > top[1]) top = entry;
    const detail = {
      from: w.from.toISOString(),
      refused: w.refused,
      limited: w.limited,
      expired: w.expired,
      invalid: w.invalid,
      reportExports: w.report,
      statisticsExports: w.statistics,
      sources: w.bySource.size,
      topSource: top[0],
      topSourceRefused: top[1],
    };
    writing = writing
      .then(() => s.exports.refusedCounted(detail))
      .then(() =>
        log.info(
          { event: 'export.refused.counted', refused: w.refused, limited: w.limited, sources: w.bySource.size },
          'refused downloads written to the audit log',
        ),
      )
      .catch((error: unknown) =>
        log.error({ event: 'export.refused.audit-failed', err: error }, 'could not write the refused downloads to the audit log'),
      );
    return writing;
  }

  return {
    /**
     * Counts one refused download. `limited`: this address is over its limit (answer 429 and say
     * nothing more); otherwise answer 403.
     */
    refused(source: string, kind: RefusedKind, why: 'invalid' | 'expired'): { limited: boolean; retryAfterSeconds: number } {
      const now = s.clock.now();
      if (window && now.getTime() - window.from.getTime() >= WINDOW_MS) void flush();
      if (!window) {
        window = { from: now, refused: 0, limited: 0, expired: 0, invalid: 0, report: 0, statistics: 0, bySource: new Map() };
        // The entry is written after a minute even if no further refusal comes to trigger it.
        timer = setTimeout(() => void flush(), WINDOW_MS);
        timer.unref();
      }
      const { allowed, firstRefusal } = limiter.take(source);
      window.refused++;
      window[why]++;
      window[kind === 'report.export' ? 'report' : 'statistics']++;
      if (!allowed) window.limited++;
      const seen = window.bySource.get(source);
      if (seen !== undefined || window.bySource.size < MAX_SOURCES) window.bySource.set(source, (seen ?? 0) + 1);
      if (allowed)
        log.warn({ event: kind === 'report.export' ? 'export.refused' : 'statistics.export.refused', why }, 'download link refused');
      else if (firstRefusal) log.warn({ event: 'export.limited', kind }, 'refused downloads from one address: answered 429 from now on');
      return { limited: !allowed, retryAfterSeconds: Math.ceil(60 / perMinute) };
    },
    /** Writes what is counted now (at shutdown, and in tests). */
    flush,
  };
}
export type DownloadGuard = ReturnType<typeof makeDownloadGuard>;
