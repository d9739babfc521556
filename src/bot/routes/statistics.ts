import { z } from 'zod/v4';
import { statisticsCard } from '../../cards/statistics';
import type { Strings } from '../../cards/i18n';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import { termOf } from '../../services/reminders';
import { ValidationError } from '../../services/errors';
import type { GroupBy, Period } from '../../services/statistics';
import type { BotKit } from '../kit';
import type { Links } from '../links';

const Query = z.object({
  period: z.string().max(20).optional(),
  groupBy: z.enum(['school', 'district', 'schoolType', 'category']).optional(),
  from: z.string().max(10).optional(),
  to: z.string().max(10).optional(),
  /** The card's page of groups (a large directory is paged to keep the card small). */
  page: z.number().int().min(0).max(10_000).optional(),
});

/** The picker's value -> a period (custom needs both dates). */
export function periodOf(value: string, from?: string, to?: string): Period {
  const [kind, v = ''] = value.split(':');
  if (kind === 'year') return { kind: 'year', year: Number(v) };
  if (kind === 'term') return { kind: 'term', term: v };
  if (kind === 'month') return { kind: 'month', month: v };
  if (kind === 'custom' && from && to) return { kind: 'custom', from, to };
  throw new ValidationError({ period: 'invalid' });
}

/**
 * Statistics in the 1:1 chat for the statistics role (all schools) and principals (their own
 * school): the "statistik" command, a menu entry, and the pickers on the card.
 */
export function registerStatistics(kit: BotKit, links: Links): void {
  const { s } = kit;

  function choices(now: Date): string[] {
    const year = Number(now.toISOString().slice(0, 4));
    const term = termOf(now);
    const previousTerm = term.endsWith('HT') ? `${year}-VT` : `${year - 1}-HT`;
    const months: string[] = [];
    for (let i = 0; i < 3; i++) months.push(new Date(Date.UTC(year, now.getUTCMonth() - i, 15)).toISOString().slice(0, 7));
    return [`year:${year}`, `year:${year - 1}`, `term:${term}`, `term:${previousTerm}`, ...months.map((m) => `month:${m}`)];
  }

  async function render(actor: Actor, t: Strings, q: z.infer<typeof Query>) {
    const periodChoices = choices(s.clock.now());
    const value = q.period ?? periodChoices[0]!;
    const groupBy: GroupBy = q.groupBy ?? 'school';
    let period: Period;
    let error: string | undefined;
    try {
      period = periodOf(value, q.from || undefined, q.to || undefined);
    } catch {
      period = periodOf(periodChoices[0]!);
      error = t.statistics.invalidPeriod;
    }
    let stats;
    try {
      stats = await s.statistics.figures(actor, { period, groupBy });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      stats = await s.statistics.figures(actor, { period: periodOf(periodChoices[0]!), groupBy });
      error = t.statistics.invalidPeriod;
    }
    const downloads = links.statistics(actor, stats.from, stats.to, groupBy);
    return statisticsCard(
      { stats, period: error ? periodChoices[0]! : value, periodChoices, ownSchoolOnly: !s.directory.isStatistician(actor.aadObjectId), page: q.page ?? 0, downloads, ...(error ? { error } : {}) },
      t,
    );
  }

  kit.onAction(verbs.statistics, { where: 'personal', data: Query }, async ({ actor, t, data }) => render(actor, t, data));

  kit.onCommand('statistics', { where: 'personal' }, async ({ actor, t }) => render(actor, t, {}));
}
