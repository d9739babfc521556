import type { Card } from '../cards/card';
import type { Strings } from '../cards/i18n';
import { verbs } from '../cards/verbs';
import { welcomeCard } from '../cards/welcome';
import type { Actor } from '../services/actor';
import type { Services } from '../services';

export interface MenuEntry {
  title: string;
  verb: string;
  data?: Record<string, unknown>;
}

/**
 * The welcome menu as data: every flow's entries for this person, in a fixed order (report,
 * my reports, consultation, unreachable principals, statistics), and the drafts waiting.
 */
export async function menuOf(s: Services, actor: Actor, t: Strings): Promise<{ entries: MenuEntry[]; drafts: number }> {
  const [drafts, consultations] = await Promise.all([s.reports.drafts(actor), s.consultations.mine(actor, 1)]);
  const entries: MenuEntry[] = [
    { title: t.report.menu.report, verb: verbs.reportStart },
    ...(drafts[0] ? [{ title: t.report.menu.resume, verb: verbs.reportResume, data: { draftId: drafts[0].id } }] : []),
    { title: t.welcome.myReports, verb: verbs.myReports, data: { page: 0 } },
    { title: t.consultation.start, verb: verbs.consultStart },
    ...(consultations.length ? [{ title: t.consultation.mine, verb: verbs.consultMine }] : []),
    ...(s.directory.isStatistician(actor.aadObjectId) ? [{ title: t.reminders.unreachableMenu, verb: verbs.remindersUnreachable }] : []),
    ...(s.statistics.mayView(actor) ? [{ title: t.statistics.menu, verb: verbs.statistics }] : []),
  ];
  return { entries, drafts: drafts.length };
}

/** The welcome card: the menu, and whether the text before it was understood. */
export async function welcomeFor(s: Services, actor: Actor, t: Strings, notUnderstood = false): Promise<Card> {
  const { entries, drafts } = await menuOf(s, actor, t);
  return welcomeCard({ notUnderstood, drafts, entries }, t);
}
