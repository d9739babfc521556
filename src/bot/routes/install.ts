import { TurnContext, type Activity } from 'botbuilder';
import type { BotKit } from '../kit';
import { recentlyStored } from '../recently';
import { NAME, actorOf, stringsFor, token, turnLog } from '../turn';
import { sendCard, welcomeFor } from './welcome';

/** How long a stored 1:1 reference counts as confirmed without reading it again. */
const CONFIRMED_MS = 5 * 60_000;

/**
 * Installation bookkeeping: remember where the bot can reach a user or a team proactively, and
 * forget it on uninstall. The 1:1 chat gets the welcome card on install.
 */
export function registerInstall(kit: BotKit): void {
  const { app, s } = kit;

  async function remember(ctx: TurnContext): Promise<void> {
    const a = ctx.activity;
    const actor = actorOf(a);
    const reference = TurnContext.getConversationReference(a);
    const base = { tenantId: actor.tenantId, serviceUrl: a.serviceUrl, reference };
    const team = (a.channelData as { team?: { id?: string; aadGroupId?: string } } | undefined)?.team;
    const teamId = team?.id;
    // Graph (which settles interrupted channel posts) names a team by its group id, not this id.
    const aadGroupId = typeof team?.aadGroupId === 'string' && /^[0-9a-f-]{36}$/i.test(team.aadGroupId) ? team.aadGroupId : undefined;
    if (actor.conversation.kind === 'personal') {
      await s.installations.personal(actor.aadObjectId, { ...base, conversationId: a.conversation.id });
    } else if (teamId) {
      // Proactive posts to the team go through its General channel's conversation (the team id).
      await s.installations.team(teamId, { ...base, conversationId: teamId, reference: { ...reference, conversation: { ...reference.conversation, id: teamId } }, ...(aadGroupId ? { aadGroupId } : {}) });
    }
  }

  async function forget(ctx: TurnContext): Promise<void> {
    const actor = actorOf(ctx.activity);
    confirmed.forget(actor.aadObjectId);
    const teamId = (ctx.activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
    if (actor.conversation.kind === 'personal') await s.installations.removePersonal(actor.aadObjectId);
    else if (teamId) await s.installations.removeTeam(teamId);
  }

  const botAdded = (a: Activity) => (a.membersAdded ?? []).some((m) => m.id === a.recipient?.id);
  const botRemoved = (a: Activity) => (a.membersRemoved ?? []).some((m) => m.id === a.recipient?.id);

  app.conversationUpdate('membersAdded', async (ctx) => {
    if (!botAdded(ctx.activity)) return;
    await remember(ctx);
    const actor = actorOf(ctx.activity);
    if (actor.conversation.kind === 'personal') await sendCard(ctx, await welcomeFor(kit, actor, stringsFor(ctx.activity)));
  });

  app.conversationUpdate('membersRemoved', async (ctx) => {
    if (botRemoved(ctx.activity)) await forget(ctx);
  });

  app.activity('installationUpdate', async (ctx) => {
    const action = String(ctx.activity.action ?? '');
    if (action.startsWith('add')) await remember(ctx);
    else if (action.startsWith('remove')) await forget(ctx);
    else turnLog(ctx, kit.log).info({ event: 'installation.unknown', action: token(action, NAME) }, 'installation update ignored');
  });

  // Any 1:1 message also refreshes the user's reference (service URLs can change). A reference
  // this process saw stored a moment ago with the same service URL is not read again on every
  // message (a chat is many messages); after CONFIRMED_MS it is checked again, so a row removed
  // elsewhere (another instance, retention) comes back within minutes.
  const confirmed = recentlyStored<string>(s.clock, CONFIRMED_MS);
  app.turn('beforeTurn', async (ctx) => {
    const a = ctx.activity;
    if (a.type === 'message' && actorOf(a).conversation.kind === 'personal' && a.from?.aadObjectId) {
      const aad = actorOf(a).aadObjectId;
      if (confirmed.holds(aad, a.serviceUrl)) return true;
      const known = await s.installations.forUser(aad);
      if (!known || known.service_url !== a.serviceUrl) await remember(ctx);
      confirmed.remember(aad, a.serviceUrl);
    }
    return true;
  });
}
