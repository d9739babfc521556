import type { Actor } from '../../services/actor';
import type { BotKit } from '../kit';
import { welcomeFor } from '../menu';
import { recentlyStored } from '../recently';
import { NAME, token, type Teams } from '../turn';

/** How long a stored 1:1 reference counts as confirmed without reading it again. */
const CONFIRMED_MS = 5 * 60_000;

/**
 * Installation bookkeeping: remember where the bot can reach a user or a team proactively, and
 * forget it on uninstall. The 1:1 chat gets the welcome card on install.
 */
export function registerInstall(kit: BotKit): void {
  const { s } = kit;

  async function remember(actor: Actor, teams: Teams): Promise<void> {
    const { reference, serviceUrl, team } = teams.conversation();
    const base = { tenantId: actor.tenantId, serviceUrl, reference };
    // Graph (which settles interrupted channel posts) names a team by its group id, not this id.
    const aadGroupId = team?.aadGroupId && /^[0-9a-f-]{36}$/i.test(team.aadGroupId) ? team.aadGroupId : undefined;
    if (actor.conversation.kind === 'personal') {
      // A 1:1 chat is keyed by the user's Entra object id; without one there is no one to remember.
      if (actor.aadObjectId) await s.installations.personal(actor.aadObjectId, { ...base, conversationId: actor.conversation.id });
    } else if (team) {
      // Proactive posts to the team go through its General channel's conversation (the team id).
      await s.installations.team(team.id, {
        ...base,
        conversationId: team.id,
        reference: { ...reference, conversation: { ...reference.conversation, id: team.id } },
        ...(aadGroupId ? { aadGroupId } : {}),
      });
    }
  }

  async function forget(actor: Actor, teams: Teams): Promise<void> {
    confirmed.forget(actor.aadObjectId);
    const team = teams.conversation().team;
    if (actor.conversation.kind === 'personal') {
      if (actor.aadObjectId) await s.installations.removePersonal(actor.aadObjectId);
    } else if (team) await s.installations.removeTeam(team.id);
  }

  kit.onEvent('membersAdded', { where: 'anyConversation' }, async ({ actor, t, teams, data }) => {
    if (!data.botAdded) return;
    await remember(actor, teams);
    if (actor.conversation.kind === 'personal' && actor.aadObjectId) return welcomeFor(s, actor, t);
  });

  kit.onEvent('membersRemoved', { where: 'anyConversation' }, async ({ actor, teams, data }) => {
    if (data.botRemoved) await forget(actor, teams);
  });

  kit.onEvent('installationUpdate', { where: 'anyConversation' }, async ({ actor, teams, data, log }) => {
    if (data.action.startsWith('add')) await remember(actor, teams);
    else if (data.action.startsWith('remove')) await forget(actor, teams);
    else log.info({ event: 'installation.unknown', action: token(data.action, NAME) }, 'installation update ignored');
  });

  // Any 1:1 message also refreshes the user's reference (service URLs can change). A reference
  // this process saw stored a moment ago with the same service URL is not read again on every
  // message (a chat is many messages); after CONFIRMED_MS it is checked again, so a row removed
  // elsewhere (another instance, retention) comes back within minutes.
  const confirmed = recentlyStored<string>(s.clock, CONFIRMED_MS);
  kit.onEvent('beforeTurn', { where: 'personal' }, async ({ actor, teams, data }) => {
    if (!data.isMessage || !actor.aadObjectId) return;
    const { serviceUrl } = teams.conversation();
    if (confirmed.holds(actor.aadObjectId, serviceUrl)) return;
    const known = await s.installations.forUser(actor.aadObjectId);
    if (!known || known.serviceUrl !== serviceUrl) await remember(actor, teams);
    confirmed.remember(actor.aadObjectId, serviceUrl);
  });
}
