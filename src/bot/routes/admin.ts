import { statusCard, type ChannelView } from '../../cards/admin';
import type { BotKit } from '../kit';

/**
 * "värna status", for the admin who installs Värna in the intake team: @mention the bot in a
 * channel and it answers with the team's and channels' ids to paste into the municipality config,
 * says whether the team is configured as an intake unit and whether the configured channels exist.
 * Answering in the channel proves that the bot can post there. Only ids and channel names are
 * shown (no members), and only in the team itself, to people who can see it anyway.
 */
export function registerAdmin(kit: BotKit): void {
  const { s } = kit;

  // In the 1:1 chat "status" is no command: the word is free for the flows, and the fallback
  // answers it. In a group chat the adapter says where the command works.
  kit.onCommand('status', { where: 'teamChannel', notACommandIn: ['personal'] }, async ({ actor, t, teams, log: l }) => {
    const { channelId } = actor.conversation;
    const teamId = actor.conversation.teamId!;
    const thisChannel = channelId ?? teamId;
    let otherChannels: ChannelView[] | undefined;
    try {
      otherChannels = (await teams.channels(teamId)).filter((c) => c.id !== thisChannel);
    } catch (error) {
      l.warn(
        { event: 'admin.status.channels-failed', status: (error as { statusCode?: number }).statusCode },
        "could not list the team's channels",
      );
    }
    const unit = s.directory.intakeUnitByTeam(teamId);
    const installationKnown = !!(await s.installations.forTeam(teamId));
    l.info(
      { event: 'admin.status', teamId, unit: unit?.id ?? 'none', channels: otherChannels?.length, installationKnown },
      'status shown in a team channel',
    );
    return statusCard(
      {
        teamId,
        channelId: thisChannel,
        otherChannels,
        installationKnown,
        ...(unit
          ? { unit: { name: unit.name, reportsChannelId: unit.reportsChannelId, consultationsChannelId: unit.consultationsChannelId } }
          : {}),
      },
      t,
    );
  });
}
