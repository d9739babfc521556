import { AdaptiveCardActionExecuteResponseType, Application, type TeamsAdapter } from '@microsoft/teams-ai';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Services } from '../services';
import { makeKit, type BotKit } from './kit';
import { makeLinks } from './links';
import { registerAdmin } from './routes/admin';
import { registerConsult } from './routes/consult';
import { registerInstall } from './routes/install';
import { registerReport } from './routes/report';
import { registerIntake } from './routes/intake';
import { registerReminders } from './routes/reminders';
import { registerStatistics } from './routes/statistics';
import { registerFallback, registerWelcome } from './routes/welcome';
import { makeGraphLookup } from './graph';
import { makeSender } from './sender';
import { deliveryTable } from './delivery';
import { StoreStorage } from './storage';
import { makeGate } from './gate';
import { stringsFor, turnLog } from './turn';

/**
 * The Teams application: routes per flow, a tenant gate in front of all of them, errors answered
 * in the user's language. No AI: teams-ai is used for routing, cards, dialogs and proactive sends.
 */
/** `port`: where the server listens, for the download links' default base (links.ts); read at a link's making. */
export function createApp(adapter: TeamsAdapter, config: Config, s: Services, log: Logger, port: () => number): BotKit {
  const app = new Application({
    adapter,
    botAppId: config.botAppId,
    storage: new StoreStorage(s.store, s.clock),
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
    adaptiveCards: { actionExecuteResponseType: AdaptiveCardActionExecuteResponseType.REPLACE_FOR_ALL, actionSubmitFilter: 'verb' },
  });

  // Graph settles channel posts whose send was interrupted (see outbox.ts, docs/security.md).
  const graph = makeGraphLookup(
    config,
    (adapter as { credentialsFactory?: ConstructorParameters<typeof TeamsAdapter>[1] }).credentialsFactory,
    log,
  );
  const links = makeLinks(s, config, port);
  const delivery = makeSender(adapter, config.botAppId, s, log, deliveryTable(s, links), graph);
  s.outbox.setSender(delivery.sender);
  // Only the municipality's own tenant gets through, at a pace a person keeps; checked before any
  // turn state is read, so a refused activity leaves nothing in the store (see gate.ts). Before
  // that, a channel message that does not @mention Värna is dropped unread: the RSC permission
  // ChannelMessage.Read.Group makes Teams deliver every post in the intake team's channels.
  const gate = makeGate({ config, clock: s.clock, log, burst: config.env.VARNA_RATE_BURST, perMinute: config.env.VARNA_RATE_PER_MINUTE });
  const kit = makeKit(app, s, delivery, log, (ctx) => gate.admit(ctx));

  // The flows stand alone: none reads what another sets, so their order does not matter; the
  // fallback (any other text) comes last.
  registerInstall(kit);
  registerWelcome(kit);
  registerAdmin(kit);
  registerReport(kit, links);
  registerIntake(kit);
  registerConsult(kit);
  registerReminders(kit, links);
  registerStatistics(kit, links);
  registerFallback(kit);

  app.error(async (ctx, error) => {
    turnLog(ctx, log).error({ event: 'turn.error', err: error }, 'unhandled turn error');
    if (ctx.activity.type === 'message') await ctx.sendActivity(stringsFor(ctx.activity).errors.generic).catch(() => undefined);
  });

  return kit;
}
