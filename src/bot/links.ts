import type { Config } from '../config';
import type { Actor } from '../services/actor';
import type { Services } from '../services';

/** Who a link is for: its signature names the user, who is checked again at the download. */
type Holder = Pick<Actor, 'aadObjectId'>;

/**
 * Signed, short-lived download links: a report's export for intake (JSON, PDF) and the statistics
 * (CSV, Excel, PDF). The routes that show a link make it here; the download routes
 * (routes/export.ts, routes/statistics-export.ts) check what it signs with `s.links.verify`.
 */
export interface Links {
  report(holder: Holder, reference: string): { json: string; pdf: string };
  statistics(holder: Holder, from: string, to: string, groupBy: string): { csv: string; xlsx: string; pdf: string };
}

/** A statistics download's file name (without its format): what its link signs. */
export const statisticsFile = (from: string, to: string, groupBy: string): string => `statistik-${from}-${to}-${groupBy}`;

/** `port`: where this process listens, known once the server does (the default base, without VARNA_PUBLIC_URL). */
export function makeLinks(s: Services, config: Config, port: () => number): Links {
  const base = () => (config.env.VARNA_PUBLIC_URL ?? `http://localhost:${port()}`).replace(/\/$/, '');
  return {
    report(holder, reference) {
      const at = `${base()}/exports/${encodeURIComponent(reference)}`;
      return {
        json: `${at}.json?${s.links.query(reference, 'json', holder.aadObjectId)}`,
        pdf: `${at}.pdf?${s.links.query(reference, 'pdf', holder.aadObjectId)}`,
      };
    },
    statistics(holder, from, to, groupBy) {
      const file = statisticsFile(from, to, groupBy);
      const at = `${base()}/exports/statistik/${file}`;
      return {
        csv: `${at}.csv?${s.links.query(file, 'csv', holder.aadObjectId)}`,
        xlsx: `${at}.xlsx?${s.links.query(file, 'xlsx', holder.aadObjectId)}`,
        pdf: `${at}.pdf?${s.links.query(file, 'pdf', holder.aadObjectId)}`,
      };
    },
  };
}
