import { TeamsInfo, type TurnContext } from 'botbuilder';
import { statusCard, type ChannelView } from '../../cards/admin';
import { commands } from '../commands';
import type { BotKit } from '../kit';
import { actorOf, stringsFor, turnLog } from '../turn';
import { sendCard } from './welcome';

/**
 * "värna status", for the admin who installs Värna in the intake team: @mention the bot in a
 * channel and it answers with the team's and channels' ids to paste into the municipality config,
 * says whether the team is configured as an intake unit and whether the configured channels exist.
 * Answering in the channel proves that the bot can post there. Only ids and channel names are
 * shown (no members), and only in the team itself, to people who can see it anyway.
 */
export function registerAdmin(kit: BotKit): void {
  const { app, s, log } = kit;

  // Not in the 1:1 chat: there "status" is free for the flows, and the fallback answers the rest.
  const statusSelector = async (ctx: TurnContext): Promise<boolean> =>
    ctx.activity.type === 'message' && actorOf(ctx.activity).conversation.kind !== 'personal' && commands.status.pattern.test(ctx.activity.text ?? '');

  app.message(statusSelector, async (ctx) => {
    const actor = actorOf(ctx.activity);
    const t = stringsFor(ctx.activity);
    const l = turnLog(ctx, log);
    const { teamId, channelId } = actor.conversation;
    if (actor.conversation.kind !== 'channel' || !teamId) {
      await ctx.sendActivity(t.admin.onlyInTeams);
      return;
    }
    const thisChannel = channelId ?? teamId;
    let otherChannels: ChannelView[] | undefined;
    try {
      const all = await TeamsInfo.getTeamChannels(ctx, teamId);
      otherChannels = all
        .filter((c): c is typeof c & { id: string } => typeof c.id === 'string' && c.id !== thisChannel)
        .map((c) => ({ id: c.id, ...(c.name ? { name: c.name } : {}) }));
    } catch (error) {
      l.warn({ event: 'admin.status.channels-failed', status: (error as { statusCode?: number }).statusCode }, 'could not list the team\'s channels');
    }
    const unit = s.directory.intakeUnitByTeam(teamId);
    const installationKnown = !!(await s.installations.forTeam(teamId));
    l.info({ event: 'admin.status', teamId, unit: unit?.id ?? 'none', channels: otherChannels?.length, installationKnown }, 'status shown in a team channel');
    await sendCard(
      ctx,
      statusCard(
        {
          teamId,
          channelId: thisChannel,
          otherChannels,
          installationKnown,
          ...(unit ? { unit: { name: unit.name, reportsChannelId: unit.reportsChannelId, consultationsChannelId: unit.consultationsChannelId } } : {}),
        },
        t,
      ),
    );
  });
}
