import type restify from 'restify';
import { strings } from '../../cards/i18n';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import { toExport } from '../../services/report-export';
import type { Services } from '../../services';
import type { BotKit } from '../kit';

/**
 * Exports for the case system: GET /exports/<reference>.json|pdf with a signed, short-lived link
 * that the full-report dialog hands to an intake member. Every download is audited.
 */
export function registerExports(server: restify.Server, kit: BotKit, s: Services, config: Config, log: Logger, port: number): void {
  const base = (config.env.VARNA_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  kit.exportLinks = (actor, reference) => ({
    json: `${base}/exports/${encodeURIComponent(reference)}.json?${s.links.query(reference, 'json', actor.aadObjectId)}`,
    pdf: `${base}/exports/${encodeURIComponent(reference)}.pdf?${s.links.query(reference, 'pdf', actor.aadObjectId)}`,
  });

  server.get('/exports/:file', async (req, res) => {
    const m = /^(VÄ-\d{4}-\d{5})\.(json|pdf)$/.exec(String(req.params.file ?? ''));
    if (!m) {
      res.send(404, { error: 'not found' });
      return;
    }
    const [, reference, format] = m as unknown as [string, string, 'json' | 'pdf'];
    const q = Object.fromEntries(new URL(req.url ?? '', 'http://x').searchParams) as { u?: string; e?: string; s?: string };
    const verdict = s.links.verify(reference, format, q);
    const report = await s.reports.byReference(reference);
    const actor = verdict.ok ? verdict.user : 'anonymous';
    await s.store.transaction((trx) =>
      s.store.audit.append(trx, { actor, action: 'report.export', subject: reference, outcome: verdict.ok && report ? 'allowed' : 'refused', detail: { format } }, s.clock.now()),
    );
    if (!verdict.ok) {
      log.warn({ event: 'export.refused', reference, why: verdict.why }, 'export link refused');
      res.send(403, { error: verdict.why === 'expired' ? 'Länken har gått ut. Öppna anmälan i Teams igen.' : 'Ogiltig länk.' });
      return;
    }
    if (!report?.sealed) {
      res.send(404, { error: 'not found' });
      return;
    }
    const data = toExport(report, await s.reports.content(report), s.directory);
    res.header('Cache-Control', 'no-store');
    res.header('Content-Disposition', `attachment; filename="${reference}.${format}"`);
    if (format === 'json') {
      res.header('Content-Type', 'application/json; charset=utf-8');
      res.sendRaw(200, JSON.stringify(data, null, 2));
    } else {
      res.header('Content-Type', 'application/pdf');
      // pdfkit is loaded at the first PDF, not at start (cold start and memory: docs/benchmarks.md).
      const { reportPdf } = require('../../cards/report-pdf') as typeof import('../../cards/report-pdf');
      res.sendRaw(200, await reportPdf(data, strings('sv')));
    }
    log.info({ event: 'export.sent', reference, format }, 'report exported');
  });
}
