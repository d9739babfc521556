import { z } from 'zod/v4';
import { unreachableCard } from '../../cards/reminders';
import { verbs } from '../../cards/verbs';
import type { BotKit } from '../kit';
import type { Links } from '../links';
import { cycleCardFor } from '../views/reminders';
import type { Teams } from '../turn';
import { recentlyStored } from '../recently';

const ReminderData = z.object({ reminderId: z.string().min(1).max(64) });
/** How long a user's stored language counts as confirmed without reading it again. */
const LOCALE_CONFIRMED_MS = 5 * 60_000;

/**
 * Reminders: answers "Klart" and "Påminn mig om en vecka" on the annual-cycle card, and the admin
 * command listing principals the bot cannot reach. The reminders themselves (the annual cycle, the
 * draft nudge, the principal's digest, the intake summary) are rendered by ../delivery.ts.
 */
export function registerReminders(kit: BotKit, links: Links): void {
  const { s } = kit;
  const r = s.reminders;

  // Remember the language of each user's Teams client, so proactive cards speak it too. A language
  // this process saw stored a moment ago is not read again on every message.
  const localeStored = recentlyStored<string>(s.clock, LOCALE_CONFIRMED_MS);
  kit.onEvent('beforeTurn', { where: 'personal' }, async ({ actor, data, log }) => {
    if (!actor.aadObjectId || !data.localeGiven) return;
    if (localeStored.holds(actor.aadObjectId, actor.locale)) return;
    try {
      await s.users.rememberLocale(actor.aadObjectId, actor.locale);
      localeStored.remember(actor.aadObjectId, actor.locale);
    } catch (error) {
      log.warn({ event: 'reminders.locale-unsaved', err: error }, "could not remember the user's language");
    }
  });

  /** A channel reminder (intake unit) may be handled by any member of that unit's team. */
  async function intakeMember(teams: Teams, reminderId: string): Promise<boolean> {
    const unit = await r.intakeUnitOf(reminderId);
    if (!unit) return false;
    return teams.isMember(unit.teamId);
  }

  // A principal's reminder is in their 1:1 chat; an intake unit's in its reports channel.
  kit.onAction(verbs.reminderDone, { where: ['personal', 'intakeChannel'], data: ReminderData }, async ({ actor, t, data, teams }) => {
    const view = await r.markDone(actor, data.reminderId, { intakeMember: await intakeMember(teams, data.reminderId) });
    return cycleCardFor(links, view, actor.aadObjectId, t);
  });

  kit.onAction(verbs.reminderSnooze, { where: ['personal', 'intakeChannel'], data: ReminderData }, async ({ actor, t, data, teams }) => {
    const view = await r.snooze(actor, data.reminderId, { intakeMember: await intakeMember(teams, data.reminderId) });
    return cycleCardFor(links, view, actor.aadObjectId, t);
  });

  // Teams asks for a card with figures again when it is shown (its refresh): a fresh download link.
  kit.onAction(verbs.reminderShow, { where: ['personal', 'intakeChannel'], data: ReminderData }, async ({ actor, t, data, teams }) => {
    const view = await r.show(actor, data.reminderId, { intakeMember: await intakeMember(teams, data.reminderId) });
    return cycleCardFor(links, view, actor.aadObjectId, t);
  });

  kit.onAction(verbs.remindersUnreachable, { where: 'personal', data: z.object({}).passthrough() }, async ({ actor, t }) =>
    unreachableCard({ principals: await r.unreachablePrincipals(actor) }, t),
  );

  kit.onCommand('unreachable', { where: 'personal' }, async ({ actor, t }) =>
    unreachableCard({ principals: await r.unreachablePrincipals(actor) }, t),
  );
}
