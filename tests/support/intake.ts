/** The intake unit's team and reports channel (config/example.yaml), shared by the protocol tests. */
import { type TestBot } from './bot';
import { cardsOf, checkCard } from './cards';
import { activityOf } from './connector';
import { as } from './users';

export const TEAM = '19:exempel-ifo-team@thread.tacv2';
export const REPORTS_CHANNEL = '19:exempel-ifo-anmalningar@thread.tacv2';

/** The channel cards posted to the intake unit's reports channel. */
export function channelCards(bot: TestBot): any[] {
  return bot.connector.calls
    .filter((c) => c.method === 'POST' && c.body?.channelData?.channel?.id === REPORTS_CHANNEL)
    .flatMap((c) => cardsOf(activityOf(c)))
    .map(checkCard);
}

/** The intake team installed (with two members on its roster) and the teacher's personal chat. */
export async function intakeReady(bot: TestBot): Promise<void> {
  await bot.installTeam(TEAM, as.intake);
  bot.connector.rosters.set(TEAM, new Set([as.intake.aadObjectId, as.intake2.aadObjectId]));
  await bot.installPersonal(as.teacher);
}

/** An activity's conversation and channel data in a thread of the reports channel. */
export const channelConversation = (threadId = 'thread-1') => ({
  conversation: {
    conversationType: 'channel',
    tenantId: 'e0e0e0e0-1111-4222-8333-444455556666',
    id: `${REPORTS_CHANNEL};messageid=${threadId}`,
    isGroup: true,
  },
  channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
});
