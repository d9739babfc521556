import type restify from 'restify';
import { localeOf, strings } from '../../cards/i18n';
import type { Actor } from '../../services/actor';
import { NotAllowedError, NotFoundError, UnavailableError } from '../../services/errors';
import { toExport } from '../../services/reports/export';
import type { Services } from '../../services';
import type { Report } from '../../services/reports';
import { sourceOf, type DownloadGuard } from '../download-guard';
import type { BotKit } from '../kit';
import { intakeChannelCard } from '../views/intake';

/** The person a valid link names (its signature proves the name; there is no Teams turn). */
const linkUser = (aadObjectId: string): Actor => ({
  aadObjectId,
  userId: '',
  name: '',
  tenantId: '',
  locale: 'sv',
  conversation: { kind: 'personal', id: '' },
});

/**
 * Exports for the case system: GET /exports/<reference>.json|pdf with a signed, short-lived link
 * (../links.ts) that the full-report dialog hands to an intake member. The signature is checked first and costs
 * nothing else when it is wrong (counted by the download guard, one audit entry a minute); a
 * valid link is checked against the CURRENT membership of the report's intake team, asked of
 * Teams at the download (fails closed), and audited, allowed or refused.
 */
export function registerExports(server: restify.Server, { s, delivery, log }: BotKit, guard: DownloadGuard): void {
  // The case system's record is in Swedish whoever downloads it; the answers are in the browser's language.
  const record = strings('sv');

  server.get('/exports/:file', async (req, res) => {
    const t = strings(localeOf(req.header('accept-language')));
    const m = /^(VÄ-\d{4}-\d{5})\.(json|pdf)$/.exec(String(req.params.file ?? ''));
    if (!m) {
      res.send(404, { error: t.downloads.notFound });
      return;
    }
    const [, reference, format] = m as unknown as [string, string, 'json' | 'pdf'];
    const q = Object.fromEntries(new URL(req.url ?? '', 'http://x').searchParams) as { u?: string; e?: string; s?: string };
    const verdict = s.links.verify(reference, format, q);
    if (!verdict.ok) {
      const { limited, retryAfterSeconds } = guard.refused(sourceOf(req), 'report.export', verdict.why);
      if (limited) {
        res.header('Retry-After', String(retryAfterSeconds));
        res.send(429, { error: t.downloads.tooManyInvalid });
      } else res.send(403, { error: verdict.why === 'expired' ? t.downloads.reportExpired : t.downloads.invalid });
      return;
    }
    let opened: Awaited<ReturnType<Services['reports']['open']>>;
    try {
      opened = await s.reports.open(linkUser(verdict.user), reference, (teamId) => delivery.isTeamMember(teamId, verdict.user), 'export');
    } catch (error) {
      if (error instanceof UnavailableError) {
        await s.exports.teamsUnavailable(verdict.user, reference, format);
        res.send(503, { error: t.downloads.teamsUnavailable });
        return;
      }
      // Not a member any more, or no such report: the same answer (audited by reports.open).
      if (error instanceof NotAllowedError) {
        // Says what was refused and whom to ask; not that the attempt was logged (issue 22 §5).
        res.send(403, { error: t.downloads.reportRefused });
        return;
      }
      // A report whose content was purged (gallrad).
      if (error instanceof NotFoundError) {
        res.send(404, { error: t.downloads.notFound });
        return;
      }
      throw error;
    }
    const { report } = opened;
    const data = toExport(report, opened.content, s.directory);
    // An audited export is how a report reaches the case system: it counts as "Registrerad i
    // verksamhetssystemet" (the purge waits for that; retention.ts).
    const registered = await s.intake.registeredByExport(verdict.user, report.id, format);
    if (registered) await refreshCard(registered);
    res.header('Cache-Control', 'no-store');
    res.header('Content-Disposition', `attachment; filename="${reference}.${format}"`);
    if (format === 'json') {
      res.header('Content-Type', 'application/json; charset=utf-8');
      res.sendRaw(200, JSON.stringify(data, null, 2));
    } else {
      res.header('Content-Type', 'application/pdf');
      // pdfkit is loaded at the first PDF, not at start (cold start and memory: docs/benchmarks.md).
      const { reportPdf } = require('../../cards/report-pdf') as typeof import('../../cards/report-pdf');
      res.sendRaw(200, await reportPdf(data, record));
    }
    log.info({ event: 'export.sent', reference, format }, 'report exported');
  });

  /** Best effort: the channel card shows the registration; the registration itself is stored. */
  async function refreshCard(report: Report): Promise<void> {
    if (!report.channelConversationId || !report.channelActivityId) return;
    try {
      await delivery.updateInThread(
        report.intakeUnitId,
        { conversationId: report.channelConversationId, activityId: report.channelActivityId },
        () => intakeChannelCard(s, report),
      );
    } catch (error) {
      log.warn({ event: 'export.card-refresh-failed', err: error }, 'channel card not updated after the export registered the report');
    }
  }
}
