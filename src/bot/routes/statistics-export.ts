import type restify from 'restify';
import { localeOf, strings } from '../../cards/i18n';
import { groupBys, type GroupBy } from '../../services/statistics';
import { sourceOf, type DownloadGuard } from '../download-guard';
import type { BotKit } from '../kit';

/**
 * Statistics downloads: GET /exports/statistik/statistik-<from>-<to>-<groupBy>.csv|xlsx|pdf with a
 * signed, short-lived link that names its user (made by ../links.ts). The figures are computed
 * again for that user (a principal still sees their own school only), with the same suppression;
 * every download with a valid link is audited. A wrong or expired signature costs nothing else: it is counted by the
 * download guard (one audit entry a minute for all of them).
 */
export function registerStatisticsExports(server: restify.Server, { s, log }: BotKit, guard: DownloadGuard): void {
  server.get('/exports/statistik/:file', async (req, res) => {
    const t = strings(localeOf(req.header('accept-language')));
    const m = /^(statistik-(\d{4}-\d{2}-\d{2})-(\d{4}-\d{2}-\d{2})-([a-zA-Z]+))\.(csv|xlsx|pdf)$/.exec(String(req.params.file ?? ''));
    if (!m || !groupBys.includes(m[4] as GroupBy)) {
      res.send(404, { error: t.downloads.notFound });
      return;
    }
    const [, file, from, to, groupBy, format] = m as unknown as [string, string, string, string, GroupBy, 'csv' | 'xlsx' | 'pdf'];
    const q = Object.fromEntries(new URL(req.url ?? '', 'http://x').searchParams) as { u?: string; e?: string; s?: string };
    const verdict = s.links.verify(file, format, q);
    if (!verdict.ok) {
      const { limited, retryAfterSeconds } = guard.refused(sourceOf(req), 'statistics.export', verdict.why);
      if (limited) {
        res.header('Retry-After', String(retryAfterSeconds));
        res.send(429, { error: t.downloads.tooManyInvalid });
      } else res.send(403, { error: verdict.why === 'expired' ? t.downloads.statisticsExpired : t.downloads.invalid });
      return;
    }
    const allowed = s.statistics.mayView({ aadObjectId: verdict.user });
    await s.exports.statistics(verdict.user, file, format, allowed);
    if (!allowed) {
      log.warn({ event: 'statistics.export.refused', why: 'role' }, 'statistics export refused');
      res.send(403, { error: t.downloads.invalid });
      return;
    }
    // A download waits for the first pattern after a start (a browser waits longer than Teams).
    const stats = await s.statistics.figures(
      { aadObjectId: verdict.user },
      { period: { kind: 'custom', from, to }, groupBy },
      { patient: true },
    );
    // exceljs and pdfkit are loaded at the first download, not at start (docs/benchmarks.md, B4).
    const { statisticsCsv, statisticsXlsx } =
      require('../../services/statistics-export') as typeof import('../../services/statistics-export');
    res.header('Cache-Control', 'no-store');
    res.header('Content-Disposition', `attachment; filename="${file}.${format}"`);
    if (format === 'csv') {
      res.header('Content-Type', 'text/csv; charset=utf-8');
      res.sendRaw(200, statisticsCsv(stats));
    } else if (format === 'pdf') {
      res.header('Content-Type', 'application/pdf');
      const { statisticsPdf } = require('../../cards/statistics-pdf') as typeof import('../../cards/statistics-pdf');
      res.sendRaw(200, await statisticsPdf(stats, s.directory.municipality.municipality.name));
    } else {
      res.header('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      res.sendRaw(200, await statisticsXlsx(stats));
    }
    log.info({ event: 'statistics.export.sent', format, groupBy }, 'statistics exported');
  });
}
