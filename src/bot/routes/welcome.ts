import { CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import { z } from 'zod/v4';
import { dutyCard } from '../../cards/duty';
import { dutyTopics } from '../../cards/i18n/duty';
import { verbs } from '../../cards/verbs';
import { welcomeCard } from '../../cards/welcome';
import type { Card } from '../../cards/card';
import type { Strings } from '../../cards/i18n';
import type { Actor } from '../../services/actor';
import type { BotKit } from '../kit';
import { commands } from '../commands';
import { actorOf, stringsFor, turnLog } from '../turn';

/** The text commands live in ../commands.ts (one registry, checked against the app manifest). */
export { commands } from '../commands';

export async function welcomeFor(kit: BotKit, actor: Actor, t: Strings, notUnderstood = false): Promise<Card> {
  const entries = (await Promise.all(kit.menu.map((m) => m(actor, t)))).flat();
  return welcomeCard({ notUnderstood, drafts: await kit.drafts(actor), entries }, t);
}

export const sendCard = (ctx: TurnContext, card: Card) =>
  ctx.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));

/** The 1:1 chat's front door: the welcome menu and "Om anmälningsplikten". */
export function registerWelcome(kit: BotKit): void {
  const { app, s } = kit;

  // Nothing is kept in turn state: an unchanged state is not written, so "hej" costs no store write.
  app.message(commands.welcome.pattern, async (ctx) => {
    await sendCard(ctx, await welcomeFor(kit, actorOf(ctx.activity), stringsFor(ctx.activity)));
  });

  app.message(commands.duty.pattern, async (ctx) => {
    const t = stringsFor(ctx.activity);
    await sendCard(ctx, dutyCard({ contacts: s.contactsFor(), reportVerb: reportVerbOf(kit) }, t));
  });

  kit.onAction(verbs.welcome, z.object({}).passthrough(), async ({ actor, t }) => welcomeFor(kit, actor, t));

  kit.onAction(verbs.duty, z.object({ topic: z.enum(dutyTopics).optional() }).passthrough(), async ({ t, data }) =>
    dutyCard({ topic: data.topic, contacts: s.contactsFor(), reportVerb: reportVerbOf(kit) }, t),
  );
}

/** Registered last: any other text in the 1:1 chat gets the menu, and its content is never logged. */
export function registerFallback(kit: BotKit): void {
  kit.app.activity('message', async (ctx) => {
    const actor = actorOf(ctx.activity);
    if (actor.conversation.kind !== 'personal') return;
    if (ctx.activity.value && !ctx.activity.text) {
      turnLog(ctx, kit.log).warn({ event: 'submit.unknown' }, 'card submit without a known verb');
    }
    await sendCard(ctx, await welcomeFor(kit, actor, stringsFor(ctx.activity), true));
  });
}

const reportVerbOf = (kit: BotKit) => kit.reportVerb;
