import type { Strings } from '../../cards/i18n';
import type { StatisticsCardView } from '../../cards/statistics';
import type { Actor } from '../../services/actor';
import { ValidationError } from '../../services/errors';
import { termOf } from '../../services/reminders';
import { MAX_PERIOD_MONTHS, type GroupBy, type Period } from '../../services/statistics';
import type { Services } from '../../services';
import type { Links } from '../links';

/** What the card's pickers send (all optional: the command and the menu send nothing). */
export interface StatisticsQuery {
  period?: string | undefined;
  groupBy?: GroupBy | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page?: number | undefined;
}

/** The picker's value -> a period (custom needs both dates). */
export function periodOf(value: string, from?: string, to?: string): Period {
  const [kind, v = ''] = value.split(':');
  if (kind === 'year') return { kind: 'year', year: Number(v) };
  if (kind === 'term') return { kind: 'term', term: v };
  if (kind === 'month') return { kind: 'month', month: v };
  if (kind === 'custom' && from && to) return { kind: 'custom', from, to };
  throw new ValidationError({ period: 'invalid' });
}

/** The periods to pick from: this year and last, this term and last, the last three months. */
export function periodChoicesAt(now: Date): string[] {
  const year = Number(now.toISOString().slice(0, 4));
  const term = termOf(now);
  const previousTerm = term.endsWith('HT') ? `${year}-VT` : `${year - 1}-HT`;
  const months: string[] = [];
  for (let i = 0; i < 3; i++) months.push(new Date(Date.UTC(year, now.getUTCMonth() - i, 15)).toISOString().slice(0, 7));
  return [`year:${year}`, `year:${year - 1}`, `term:${term}`, `term:${previousTerm}`, ...months.map((m) => `month:${m}`)];
}

/**
 * The figures for the asked period (an invalid one falls back to this year, and says so), with
 * the viewer's own signed downloads. A principal sees their own school only (the service decides).
 */
export async function statisticsViewOf(
  s: Services,
  links: Links,
  actor: Actor,
  t: Strings,
  q: StatisticsQuery,
): Promise<StatisticsCardView> {
  const periodChoices = periodChoicesAt(s.clock.now());
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
    error = e.fields.period === 'tooLong' ? t.statistics.periodTooLong(MAX_PERIOD_MONTHS) : t.statistics.invalidPeriod;
  }
  const downloads = links.statistics(actor, stats.from, stats.to, groupBy);
  return {
    stats,
    period: error ? periodChoices[0]! : value,
    periodChoices,
    ownSchoolOnly: !s.directory.isStatistician(actor.aadObjectId),
    page: q.page ?? 0,
    downloads,
    ...(error ? { error } : {}),
  };
}
