import { z } from 'zod/v4';
import { digestCard, draftNudgeCard, intakeSummaryCard, unreachableCard } from '../../cards/reminders';
import { localeOf, strings, type Strings } from '../../cards/i18n';
import { verbs } from '../../cards/verbs';
import { reminderKinds, type CycleReminderView } from '../../services/reminders';
import type { Target } from '../../services/outbox';
import type { BotKit } from '../kit';
import type { Links } from '../links';
import { cycleCardFor as cycleCard } from '../views/reminders';
import type { Teams } from '../turn';
import { recentlyStored } from '../recently';

const ReminderData = z.object({ reminderId: z.string().min(1).max(64) });
/** How long a user's stored language counts as confirmed without reading it again. */
const LOCALE_CONFIRMED_MS = 5 * 60_000;

/**
 * Reminders: renders the annual-cycle card, the draft nudge, the principal's digest and the intake
 * summary when the outbox sends them; answers "Klart" and "Påminn mig om en vecka"; and the admin
 * command listing principals the bot cannot reach.
 */
export function registerReminders(kit: BotKit, links: Links): void {
  const { s, delivery } = kit;
  const r = s.reminders;

  /** The recipient's language: what their Teams client told us last, else Swedish. */
  async function stringsOf(target: Target): Promise<Strings> {
    if (target.kind !== 'user') return strings('sv');
    const user = await s.store.users.get(target.aadObjectId);
    return strings(localeOf(user?.locale));
  }

  // Remember the language of each user's Teams client, so proactive cards speak it too. A language
  // this process saw stored a moment ago is not read again on every message.
  const localeStored = recentlyStored<string>(s.clock, LOCALE_CONFIRMED_MS);
  kit.onEvent('beforeTurn', { where: 'personal' }, async ({ actor, data, log }) => {
    if (!actor.aadObjectId || !data.localeGiven) return;
    if (localeStored.holds(actor.aadObjectId, actor.locale)) return;
    try {
      const known = await s.store.users.get(actor.aadObjectId);
      if (known?.locale !== actor.locale) await s.store.users.update(actor.aadObjectId, { locale: actor.locale }, s.clock.now());
      localeStored.remember(actor.aadObjectId, actor.locale);
    } catch (error) {
      log.warn({ event: 'reminders.locale-unsaved', err: error }, 'could not remember the user\'s language');
    }
  });

  const cycleCardFor = (view: CycleReminderView, viewer: string | undefined, t: Strings) => cycleCard(links, view, viewer, t);

  delivery.register(reminderKinds.cycle, async (message, target) => {
    const found = await r.cycleCard(String(message.reminderId));
    if (!found || found.view.status === 'done') return { skip: true };
    const t = await stringsOf(target);
    return { card: cycleCardFor(found.view, found.recipient, t), summary: found.view.title[t.locale] };
  });

  delivery.register(reminderKinds.draft, async (message, target) => {
    const view = await r.draftNudge(String(message.draftId));
    if (!view) return { skip: true };
    const t = await stringsOf(target);
    return { card: draftNudgeCard(view, t), summary: t.reminders.draftTitle };
  });

  delivery.register(reminderKinds.digest, async (message, target) => {
    const view = await r.digest(String(message.schoolId), new Date(String(message.to)), target.kind === 'user' ? target.aadObjectId : undefined);
    if (!view) return { skip: true };
    const t = await stringsOf(target);
    return { card: digestCard(view, t), summary: t.reminders.digestTitle(view.schoolName) };
  });

  delivery.register(reminderKinds.intakeSummary, async (message, target) => {
    const view = await r.intakeSummary(String(message.unitId), new Date(String(message.at)));
    if (!view) return { skip: true };
    const t = await stringsOf(target);
    return { card: intakeSummaryCard(view, t) };
  });

  /** A channel reminder (intake unit) may be handled by any member of that unit's team. */
  async function intakeMember(teams: Teams, reminderId: string): Promise<boolean> {
    const found = await s.store.db.selectFrom('reminders').select('unit_id').where('id', '=', reminderId).executeTakeFirst();
    const unit = found?.unit_id ? s.directory.intakeUnit(found.unit_id) : undefined;
    if (!unit) return false;
    return teams.isMember(unit.teamId);
  }

  // A principal's reminder is in their 1:1 chat; an intake unit's in its reports channel.
  kit.onAction(verbs.reminderDone, { where: ['personal', 'intakeChannel'], data: ReminderData }, async ({ actor, t, data, teams }) => {
    const view = await r.markDone(actor, data.reminderId, { intakeMember: await intakeMember(teams, data.reminderId) });
    return cycleCardFor(view, actor.aadObjectId, t);
  });

  kit.onAction(verbs.reminderSnooze, { where: ['personal', 'intakeChannel'], data: ReminderData }, async ({ actor, t, data, teams }) => {
    const view = await r.snooze(actor, data.reminderId, { intakeMember: await intakeMember(teams, data.reminderId) });
    return cycleCardFor(view, actor.aadObjectId, t);
  });

  // Teams asks for a card with figures again when it is shown (its refresh): a fresh download link.
  kit.onAction(verbs.reminderShow, { where: ['personal', 'intakeChannel'], data: ReminderData }, async ({ actor, t, data, teams }) => {
    const view = await r.show(actor, data.reminderId, { intakeMember: await intakeMember(teams, data.reminderId) });
    return cycleCardFor(view, actor.aadObjectId, t);
  });

  kit.onAction(verbs.remindersUnreachable, { where: 'personal', data: z.object({}).passthrough() }, async ({ actor, t }) => unreachableCard({ principals: await r.unreachablePrincipals(actor) }, t));

  kit.onCommand('unreachable', { where: 'personal' }, async ({ actor, t }) => unreachableCard({ principals: await r.unreachablePrincipals(actor) }, t));
}
