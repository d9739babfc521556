import type { Application, TurnState } from '@microsoft/teams-ai';
import { ActivityTypes, CardFactory, TurnContext, type Activity, type TaskModuleTaskInfo } from 'botbuilder';
import type { z } from 'zod/v4';
import type { Card } from '../cards/card';
import type { Strings } from '../cards/i18n';
import { chatWithBotLink, personalOnlyCard } from '../cards/scope';
import type { Logger } from '../log';
import type { Actor } from '../services/actor';
import { NotReadyError, ValidationError } from '../services/errors';
import type { Services } from '../services';
import { commands, type CommandName } from './commands';
import { makeMembership } from './membership';
import type { Delivery } from './sender';
import { NAME, actorOf, describeError, stringsFor, teamsOf, token, turnLog, type Turn } from './turn';

type App = Application<TurnState>;

/**
 * Where a handler may run. The report, its list and its feedback live in the 1:1 chat only (OSL
 * 40 kap. 7 g §); intake acts on the cards in its own channels:
 * - `personal`: the user's 1:1 chat with Värna;
 * - `intakeChannel`: a configured intake unit's reports channel (report cards, the unit's reminders);
 * - `consultationChannel`: a configured intake unit's consultations channel;
 * - `teamChannel`: any channel of any team Värna is in (`värna status`, before the ids are configured);
 * - `anyConversation`: installation bookkeeping only.
 */
export type Where = 'personal' | 'intakeChannel' | 'consultationChannel' | 'teamChannel' | 'anyConversation';
type Places = Where | readonly [Where, ...Where[]];
type Kind = Actor['conversation']['kind'];

/** A card action's or dialog's declaration: where it may run, and its data's schema. Both required. */
export interface Declaration<S extends z.ZodType> {
  where: Places;
  data: S;
}
export interface CommandDeclaration {
  where: Places;
  /** Conversations where the text is no command at all: the next route (the 1:1 fallback) answers it. */
  notACommandIn?: readonly Kind[];
}
export interface EventDeclaration {
  where: Places;
}

/**
 * A card sent as a new message below the pressed one, which stays as it was (a receipt is proof);
 * Teams shows `note` where the pressed card's button was.
 */
export interface Below {
  below: Card;
  note: string;
  /** Where the new message landed (a report's purge replaces it: retention.ts). */
  shown?: (where: { conversationId: string; activityId: string }) => Promise<void>;
}
export const below = (card: Card, note: string, shown?: Below['shown']): Below => ({ below: card, note, ...(shown ? { shown } : {}) });
const isBelow = (x: unknown): x is Below => !!x && typeof x === 'object' && 'below' in x;

/** A dialog (task module) to open, or a text to show instead. */
export interface Dialog {
  title: string;
  card: Card;
  width?: 'small' | 'medium' | 'large' | number;
  height?: 'small' | 'medium' | 'large' | number;
}

/** What an event handler learns about the activity: installation changes, and whether it is a message. */
export interface TurnEvent {
  /** installationUpdate's action (add, remove, add-upgrade, …). */
  action: string;
  botAdded: boolean;
  botRemoved: boolean;
  isMessage: boolean;
  /** Whether the client said which language it speaks (otherwise the actor's locale is the default). */
  localeGiven: boolean;
}
export type EventName = 'membersAdded' | 'membersRemoved' | 'installationUpdate' | 'beforeTurn';

/**
 * What every route file gets from the adapter: the services, outbound delivery, the logger, and
 * the registration methods. Nothing here is set by one route for another: what a flow needs from
 * another is a shared module (../menu.ts, ../links.ts, ../views/) or an argument at registration.
 */
export interface BotKit {
  s: Services;
  delivery: Delivery;
  log: Logger;
  /** Runs a turn: un-addressed channel messages dropped, the gate (tenant, rate limit), then the routes. */
  run(ctx: TurnContext): Promise<boolean>;

  /** A card action: Action.Execute (invoke) and its Action.Submit fallback (message). */
  onAction<S extends z.ZodType>(
    verb: string,
    declaration: Declaration<S>,
    handler: (turn: Turn<z.infer<S>>) => Promise<Card | string | Below>,
  ): void;
  /** A text command from ./commands.ts; the answer is sent as a message. */
  onCommand(name: CommandName, declaration: CommandDeclaration, handler: (turn: Turn<undefined>) => Promise<Card | string>): void;
  /** A dialog: `fetch` opens it (task/fetch), `submit` answers its form (task/submit). */
  onDialog<S extends z.ZodType>(
    kind: 'fetch' | 'submit',
    verb: string,
    declaration: Declaration<S>,
    handler: (turn: Turn<z.infer<S>>) => Promise<Dialog | string>,
  ): void;
  /** Any other text, registered last: answered where declared, silently ignored elsewhere. */
  onOtherText(declaration: EventDeclaration, handler: (turn: Turn<{ submitWithoutVerb: boolean }>) => Promise<Card | string>): void;
  /** Installation events and the start of every turn; a returned card is sent to the conversation. */
  onEvent(name: EventName, declaration: EventDeclaration, handler: (turn: Turn<TurnEvent>) => Promise<Card | void>): void;
}

/** A channel or group chat message that does not @mention the bot: not for Värna (card submits aside). */
export function addressedElsewhere(a: Partial<Activity>): boolean {
  const kind = a.conversation?.conversationType;
  if (a.type !== ActivityTypes.Message || (kind !== 'channel' && kind !== 'groupChat')) return false;
  if (a.value && typeof a.value === 'object') return false; // an Action.Submit from a card
  return !TurnContext.getMentions(a as Activity).some((m) => m.mentioned?.id === a.recipient?.id);
}

/**
 * The turn adapter: the only code that reads a TurnContext for a route. Every handler declares
 * where it may run; a turn from anywhere else is refused here, before its data is parsed and
 * before any service or store is touched. There is no other way to register a handler.
 */
export function makeKit(app: App, s: Services, delivery: Delivery, log: Logger, gate: (ctx: TurnContext) => Promise<boolean>): BotKit {
  const localMode = s.config.localMode;
  const chatLink = chatWithBotLink(s.config.botAppId);
  const units = s.config.municipality.intakeUnits;
  const membership = makeMembership(s.clock);

  /** Whether the conversation is one of the places. */
  function isIn(actor: Actor, places: Places): boolean {
    const list: readonly Where[] = typeof places === 'string' ? [places] : places;
    const { kind, teamId, channelId, id } = actor.conversation;
    // A thread's conversation id is "<channel id>;messageid=<root>"; channelData names the channel too.
    const channel = channelId ?? id.split(';')[0];
    return list.some((w) => {
      if (w === 'anyConversation') return true;
      if (w === 'personal') return kind === 'personal';
      if (kind !== 'channel' || !teamId) return false;
      if (w === 'teamChannel') return true;
      const field = w === 'intakeChannel' ? 'reportsChannelId' : 'consultationsChannelId';
      return units.some((u) => u.teamId === teamId && u[field] === channel);
    });
  }

  /** The refusal for a turn out of place: a pointer to the 1:1 chat, or where the thing is done. */
  function refusalFor(places: Places, t: Strings): { pointer: true; text: string } | { pointer: false; text: string } {
    const list: readonly Where[] = typeof places === 'string' ? [places] : places;
    if (list.includes('personal')) return { pointer: true, text: `${t.scope.personalOnly} ${t.scope.personalOnlyHint}` };
    if (list.includes('intakeChannel')) return { pointer: false, text: t.scope.intakeOnly };
    if (list.includes('consultationChannel')) return { pointer: false, text: t.scope.consultationOnly };
    return { pointer: false, text: t.admin.onlyInTeams };
  }

  const send = (ctx: TurnContext, result: Card | string) =>
    ctx.sendActivity(typeof result === 'string' ? result : { attachments: [CardFactory.adaptiveCard(result)] });

  async function sendBelow(ctx: TurnContext, result: Below): Promise<void> {
    const sent = await send(ctx, result.below);
    const conversationId = ctx.activity.conversation?.id;
    if (result.shown && sent?.id && conversationId) await result.shown({ conversationId, activityId: sent.id });
  }

  /** The common start of a turn: who, in what language, with a logger and Teams. */
  function begin(ctx: TurnContext) {
    const actor = actorOf(ctx.activity, { localMode });
    return { actor, t: stringsFor(ctx.activity), l: turnLog(ctx, log), teams: teamsOf(ctx, actor, membership) };
  }

  /**
   * Where, then data, then identity: a refused turn has its answer (a string, or the pointer card
   * for a message) and is audited when it was a card action or a dialog.
   */
  async function admit<S extends z.ZodType>(
    ctx: TurnContext,
    verb: string,
    declaration: Declaration<S>,
    raw: unknown,
    audited: boolean,
  ): Promise<{ ok: true; turn: Turn<z.infer<S>> } | { ok: false; answer: Card | string }> {
    const { actor, t, l, teams } = begin(ctx);
    if (!isIn(actor, declaration.where)) {
      const refusal = refusalFor(declaration.where, t);
      l.info(
        { event: 'scope.refused', verb: token(verb, NAME), conversation: actor.conversation.kind },
        'action refused: not where it may run',
      );
      if (audited) await s.refusals.outOfPlace(actor, verb);
      return {
        ok: false,
        answer: refusal.pointer && ctx.activity.type === ActivityTypes.Message ? personalOnlyCard(chatLink, t) : refusal.text,
      };
    }
    const parsed = declaration.data.safeParse(stripVerb(raw));
    if (!parsed.success) {
      l.warn(
        { event: 'action.invalid', verb: token(verb, NAME), fields: parsed.error.issues.map((i) => token(i.path.join('.'), NAME)) },
        'card data refused',
      );
      return { ok: false, answer: t.errors.generic };
    }
    if (!actor.aadObjectId) {
      l.warn({ event: 'identity.missing', verb: token(verb, NAME) }, 'activity without an Entra object id refused');
      return { ok: false, answer: t.scope.noIdentity };
    }
    return { ok: true, turn: { actor, t, data: parsed.data, teams, log: l } };
  }

  /** A handler's errors in the user's words; the log line has the class, never the data. */
  async function guarded<R>(verb: string, turn: Turn<unknown>, run: () => Promise<R>): Promise<R | string> {
    try {
      return await run();
    } catch (error) {
      const level = error instanceof ValidationError || error instanceof NotReadyError ? 'info' : 'warn';
      turn.log[level]({ event: 'action.error', verb: token(verb, NAME), err: error }, 'action failed');
      return describeError(error, turn.t);
    }
  }

  const kit: BotKit = {
    s,
    delivery,
    log,
    // A channel message that does not @mention Värna is dropped unread, before the gate (app.ts).
    run: async (ctx) => !addressedElsewhere(ctx.activity) && (await gate(ctx)) && app.run(ctx),

    onAction(verb, declaration, handler) {
      const run = async (ctx: TurnContext, raw: unknown): Promise<Card | string | Below> => {
        const admitted = await admit(ctx, verb, declaration, raw, true);
        if (!admitted.ok) return admitted.answer;
        return guarded(verb, admitted.turn, () => handler(admitted.turn));
      };
      // teams-ai answers the invoke with the card (replacing it for everyone) or the text; a card
      // for below is sent as a new message and the invoke answered with the note (the card stays).
      app.adaptiveCards.actionExecute(verb, async (ctx, _state, raw) => {
        const result = await run(ctx, raw);
        if (!isBelow(result)) return result;
        await sendBelow(ctx, result);
        return result.note;
      });
      app.adaptiveCards.actionSubmit(verb, async (ctx, _state, raw) => {
        const result = await run(ctx, raw);
        if (isBelow(result)) await sendBelow(ctx, result);
        else await send(ctx, result);
      });
    },

    onCommand(name, declaration, handler) {
      const { pattern } = commands[name];
      const selector = async (ctx: TurnContext) =>
        ctx.activity.type === ActivityTypes.Message &&
        pattern.test(ctx.activity.text ?? '') &&
        !(declaration.notACommandIn ?? []).includes(actorOf(ctx.activity).conversation.kind);
      app.message(selector, async (ctx) => {
        const admitted = await admit(ctx, `command.${name}`, { where: declaration.where, data: nothing }, undefined, false);
        if (!admitted.ok) return void (await send(ctx, admitted.answer));
        await send(ctx, await guarded(`command.${name}`, admitted.turn, () => handler(admitted.turn)));
      });
    },

    onDialog(kind, verb, declaration, handler) {
      // teams-ai answers the invoke: a text as a message, a dialog as `continue`.
      const run = async (ctx: TurnContext, raw: unknown): Promise<TaskModuleTaskInfo | string> => {
        const admitted = await admit(ctx, verb, declaration, raw, true);
        // An invoke's refusal is a text (the pointer card is for messages only).
        if (!admitted.ok) return admitted.answer as string;
        const result = await guarded(verb, admitted.turn, () => handler(admitted.turn));
        if (typeof result === 'string') return result;
        return {
          title: result.title,
          width: result.width ?? 'large',
          height: result.height ?? 'large',
          card: CardFactory.adaptiveCard(result.card),
        };
      };
      if (kind === 'fetch') app.taskModules.fetch(verb, async (ctx, _state, raw) => run(ctx, raw));
      else app.taskModules.submit(verb, async (ctx, _state, raw) => run(ctx, raw));
    },

    onOtherText(declaration, handler) {
      app.activity(ActivityTypes.Message, async (ctx) => {
        const { actor, t, l, teams } = begin(ctx);
        // Only where declared: any other text elsewhere is not for Värna, and gets no answer.
        if (!isIn(actor, declaration.where)) return;
        if (!actor.aadObjectId) return void (await ctx.sendActivity(t.scope.noIdentity));
        const turn = { actor, t, teams, log: l, data: { submitWithoutVerb: !!ctx.activity.value && !ctx.activity.text } };
        await send(ctx, await guarded('message', turn, () => handler(turn)));
      });
    },

    onEvent(name, declaration, handler) {
      const run = async (ctx: TurnContext): Promise<void> => {
        const { actor, t, l, teams } = begin(ctx);
        if (!isIn(actor, declaration.where)) return;
        const a = ctx.activity;
        const data: TurnEvent = {
          action: String(a.action ?? ''),
          botAdded: (a.membersAdded ?? []).some((m) => m.id === a.recipient?.id),
          botRemoved: (a.membersRemoved ?? []).some((m) => m.id === a.recipient?.id),
          isMessage: a.type === ActivityTypes.Message,
          localeGiven: !!a.locale,
        };
        const card = await handler({ actor, t, teams, log: l, data });
        if (card) await send(ctx, card);
      };
      if (name === 'beforeTurn')
        app.turn('beforeTurn', async (ctx) => {
          await run(ctx);
          return true;
        });
      else if (name === 'installationUpdate') app.activity(ActivityTypes.InstallationUpdate, run);
      else app.conversationUpdate(name, run);
    },
  };
  return kit;
}

/** A text command carries no data. */
const nothing = { safeParse: () => ({ success: true as const, data: undefined }) } as unknown as z.ZodType<undefined>;

function stripVerb(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return {};
  const { verb: _verb, msteams: _msteams, ...rest } = raw as Record<string, unknown>;
  return rest;
}
