import { z } from 'zod/v4';
import { dutyCard } from '../../cards/duty';
import { dutyTopics } from '../../cards/i18n/duty';
import { verbs } from '../../cards/verbs';
import { below, type BotKit } from '../kit';
import { welcomeFor } from '../menu';

/** The text commands live in ../commands.ts (one registry, checked against the app manifest). */
export { commands } from '../commands';

/** The 1:1 chat's front door: the welcome menu and "Om anmälningsplikten". */
export function registerWelcome(kit: BotKit): void {
  const { s } = kit;

  // Nothing is kept in turn state: an unchanged state is not written, so "hej" costs no store write.
  kit.onCommand('welcome', { where: 'personal' }, async ({ actor, t }) => welcomeFor(s, actor, t));

  kit.onCommand('duty', { where: 'personal' }, async ({ t }) => dutyCard({ contacts: s.contactsFor(), reportVerb: verbs.reportStart }, t));

  // From a receipt the menu comes below it: a receipt is never replaced.
  kit.onAction(
    verbs.welcome,
    { where: 'personal', data: z.object({ below: z.literal(true).optional() }).passthrough() },
    async ({ actor, t, data }) => (data.below ? below(await welcomeFor(s, actor, t), t.report.menuBelow) : welcomeFor(s, actor, t)),
  );

  // Also on an intake unit's annual-cycle reminder in its channel ("material: dutyCards").
  kit.onAction(
    verbs.duty,
    { where: ['personal', 'intakeChannel'], data: z.object({ topic: z.enum(dutyTopics).optional() }).passthrough() },
    async ({ t, data }) => dutyCard({ topic: data.topic, contacts: s.contactsFor(), reportVerb: verbs.reportStart }, t),
  );
}

/** Registered last: any other text in the 1:1 chat gets the menu, and its content is never logged. */
export function registerFallback(kit: BotKit): void {
  const { s } = kit;
  kit.onOtherText({ where: 'personal' }, async ({ actor, t, data, log }) => {
    if (data.submitWithoutVerb) log.warn({ event: 'submit.unknown' }, 'card submit without a known verb');
    return welcomeFor(s, actor, t, true);
  });
}
