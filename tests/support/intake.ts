/** The intake unit's team and reports channel, shared by the tests. */
import { loadConfig } from '../../src/config';
import { type TestBot } from './bot';
import { cardsOf, checkCard } from './cards';
import { activityOf } from './connector';
import { TENANT, as } from './users';

/** The one source: the intake unit in config/example.yaml, the configuration tests/support/bot.ts starts Värna with. */
const unit = loadConfig({ NODE_ENV: 'test', VARNA_CONFIG: 'config/example.yaml' }).municipality.intakeUnits.find(
  (u) => u.id === 'ifo-mottagningen',
)!;
export const TEAM = unit.teamId;
export const REPORTS_CHANNEL = unit.reportsChannelId;

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
    tenantId: TENANT,
    id: `${REPORTS_CHANNEL};messageid=${threadId}`,
    isGroup: true,
  },
  channelData: { team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
});
