import type { Application, TurnState } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import type { z } from 'zod/v4';
import type { Card } from '../cards/card';
import type { Strings } from '../cards/i18n';
import type { Logger } from '../log';
import type { Actor } from '../services/actor';
import { ValidationError } from '../services/errors';
import type { Services } from '../services';
import { makeMembership, type Membership } from './membership';
import type { Delivery } from './sender';
import { NAME, actorOf, describeError, stringsFor, token, turnLog, type Turn } from './turn';

export type App = Application<TurnState>;

export interface MenuEntry {
  title: string;
  verb: string;
  data?: Record<string, unknown>;
}

/** What every route file gets: the app, the services, outbound delivery and the shared menu. */
export interface BotKit {
  app: App;
  s: Services;
  delivery: Delivery;
  log: Logger;
  /** Flows add their entries to the welcome menu (report, consultation, my reports…). */
  menu: Array<(actor: Actor, t: Strings) => Promise<MenuEntry[]>>;
  /** Counts shown on the welcome card (drafts waiting). */
  drafts: (actor: Actor) => Promise<number>;
  /** Intake team membership over the Teams API (cached briefly, fails closed). */
  membership: Membership;
  /** The verb that starts a report, once the report flow is registered. */
  reportVerb?: string;
  /** Runs a turn: the gate (tenant, rate limit) first, then the application's routes. */
  run(ctx: TurnContext): Promise<boolean>;
  /** A consultation's text for its own teacher, to prefill a report (set by the consultation flow). */
  consultationText?: (actor: Actor, consultationId: string) => Promise<string | undefined>;
  /** Signed, short-lived export links for intake (set by the export routes). */
  exportLinks?: (actor: Actor, reference: string) => { json: string; pdf: string };
  /** Signed, short-lived statistics downloads (set by the export routes). */
  statisticsLinks?: (actor: Actor, from: string, to: string, groupBy: string) => { csv: string; xlsx: string; pdf: string };
  /** The intake channel card for a report, with its actions (set by the intake flow). */
  intakeCard?: (report: import('../services/reports').Report) => Promise<Card>;
  /** Registers a card action for both Action.Execute (invoke) and Action.Submit (message). */
  onAction<S extends z.ZodType>(verb: string, schema: S, handler: (turn: Turn<z.infer<S>>) => Promise<Card | string>): void;
}

export function makeKit(app: App, s: Services, delivery: Delivery, log: Logger): BotKit {
  const kit: BotKit = {
    app,
    s,
    delivery,
    log,
    menu: [],
    drafts: async () => 0,
    membership: makeMembership(s.clock),
    run: (ctx) => app.run(ctx),
    onAction(verb, schema, handler) {
      const run = async (ctx: TurnContext, raw: unknown): Promise<Card | string> => {
        const t = stringsFor(ctx.activity);
        const l = turnLog(ctx, log);
        const parsed = schema.safeParse(stripVerb(raw));
        if (!parsed.success) {
          l.warn({ event: 'action.invalid', verb, fields: parsed.error.issues.map((i) => token(i.path.join('.'), NAME)) }, 'card data refused');
          return t.errors.generic;
        }
        try {
          return await handler({ actor: actorOf(ctx.activity), t, data: parsed.data, ctx, log: l });
        } catch (error) {
          const level = error instanceof ValidationError ? 'info' : 'warn';
          l[level]({ event: 'action.error', verb, err: error }, 'action failed');
          return describeError(error, t);
        }
      };
      app.adaptiveCards.actionExecute(verb, async (ctx, _state, data) => run(ctx, data));
      app.adaptiveCards.actionSubmit(verb, async (ctx, _state, data) => {
        const result = await run(ctx, data);
        await ctx.sendActivity(typeof result === 'string' ? result : { attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: result }] });
      });
    },
  };
  return kit;
}

function stripVerb(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return {};
  const { verb: _verb, msteams: _msteams, ...rest } = raw as Record<string, unknown>;
  return rest;
}
