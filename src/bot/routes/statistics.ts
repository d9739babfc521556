import { z } from 'zod/v4';
import { statisticsCard } from '../../cards/statistics';
import type { Strings } from '../../cards/i18n';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import type { BotKit } from '../kit';
import type { Links } from '../links';
import { statisticsViewOf, type StatisticsQuery } from '../views/statistics';

const Query = z.object({
  period: z.string().max(20).optional(),
  groupBy: z.enum(['school', 'district', 'schoolType', 'category']).optional(),
  from: z.string().max(10).optional(),
  to: z.string().max(10).optional(),
  /** The card's page of groups (a large directory is paged to keep the card small). */
  page: z.number().int().min(0).max(10_000).optional(),
});

/**
 * Statistics in the 1:1 chat for the statistics role (all schools) and principals (their own
 * school): the "statistik" command, a menu entry, and the pickers on the card.
 */
export function registerStatistics(kit: BotKit, links: Links): void {
  const { s } = kit;

  const render = async (actor: Actor, t: Strings, q: StatisticsQuery) => statisticsCard(await statisticsViewOf(s, links, actor, t, q), t);

  kit.onAction(verbs.statistics, { where: 'personal', data: Query }, async ({ actor, t, data }) => render(actor, t, data));

  kit.onCommand('statistics', { where: 'personal' }, async ({ actor, t }) => render(actor, t, {}));
}
