import { CardFactory, MessageFactory, TeamsInfo, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { Card } from '../cards/card';
import type { Logger } from '../log';
import { SendFailure, type OutboxMessage, type SendResult, type Sender, type Target } from '../services/outbox';
import type { Services } from '../services';

const STATUS_POLICY = 'varnaOutboxStatus';

interface Pipeline {
  removePolicy(o: { phase?: 'Retry'; name?: string }): unknown;
  addPolicy(policy: {
    name: string;
    sendRequest(request: unknown, next: (request: unknown) => Promise<{ status: number; headers: { get(name: string): string | undefined } }>): Promise<unknown>;
  }): void;
}

function retryAfterMs(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  return Number.isFinite(Number(value)) ? Number(value) * 1000 : Math.max(0, Date.parse(value) - Date.now());
}

/** Turns a stored message intent into what Teams should show, from the store's state at send time. */
export type Renderer = (message: OutboxMessage, target: Target) => Promise<{ card?: Card; text?: string; summary?: string; skip?: boolean }>;

/**
 * Delivers outbox messages over the Bot Framework: to a user's 1:1 chat (their installation), as a
 * new thread in an intake unit's channel, or as a reply in an existing thread.
 */
export function makeSender(adapter: TeamsAdapter, botAppId: string, s: Services, log: Logger) {
  const renderers = new Map<string, Renderer>();

  function activityOf(r: { card?: Card; text?: string; summary?: string }): Partial<Activity> {
    if (r.card) {
      const a = MessageFactory.attachment(CardFactory.adaptiveCard(r.card));
      if (r.summary) a.summary = r.summary;
      return a;
    }
    return MessageFactory.text(r.text ?? '');
  }

  /**
   * The outbox owns retries: backoff with jitter, Retry-After, pacing that counts every request.
   * The connector client's own retry policy would sleep on a 429 inside a send slot, unpaced and
   * uncounted, so it is taken out of the pipeline of the client this turn uses.
   */
  function outboxOwnsRetries(ctx: TurnContext): void {
    const pipeline = (ctx.turnState.get(adapter.ConnectorClientKey) as { client?: { pipeline?: Pipeline } } | undefined)?.client?.pipeline;
    if (!pipeline) return;
    pipeline.removePolicy({ phase: 'Retry' });
    pipeline.removePolicy({ name: STATUS_POLICY });
    // Without this the compat layer hands an error status (429, 500…) back as a normal response.
    pipeline.addPolicy({
      name: STATUS_POLICY,
      async sendRequest(request, next) {
        const response = await next(request);
        if (response.status < 400) return response;
        const status = response.status;
        throw new SendFailure(status, retryAfterMs(response.headers.get('retry-after')), status === 400 || status === 403 || status === 404, `HTTP ${status}`);
      },
    });
  }

  /**
   * A proactive turn whose failure reaches the caller: the app's error handler would otherwise
   * catch it (and log a turn error), and the outbox would take a failed send for a delivered one.
   */
  async function proactive(reference: Partial<ConversationReference>, send: (ctx: TurnContext) => Promise<void>): Promise<void> {
    let failure: unknown;
    await adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
      try {
        outboxOwnsRetries(ctx);
        await send(ctx);
      } catch (error) {
        failure = error;
      }
    });
    if (failure) throw failure;
  }

  function failureOf(error: unknown): SendFailure {
    if (error instanceof SendFailure) return error;
    const e = error as { statusCode?: number; response?: { headers?: { get?(name: string): string | undefined } } };
    const status = e.statusCode;
    // 400/403/404: the bot was removed or the conversation is gone; retrying will not help.
    const permanent = status === 400 || status === 403 || status === 404;
    return new SendFailure(status, retryAfterMs(e.response?.headers?.get?.('retry-after')), permanent, (error as Error).name || 'send failed');
  }

  const sender: Sender = {
    conversationOf(target) {
      if (target.kind === 'user') return `user:${target.aadObjectId}`;
      if (target.kind === 'channel') return `channel:${target.unitId}:${target.channel}`;
      return `thread:${target.conversationId}`;
    },
    async send(target, message): Promise<SendResult> {
      const render = renderers.get(message.kind);
      if (!render) throw new SendFailure(undefined, undefined, true, `no renderer for ${message.kind}`);
      const rendered = await render(message, target);
      // The intent is void by now (a reminder marked done, a draft already sent): nothing to send.
      if (rendered.skip) return {};
      const activity = activityOf(rendered);
      try {
        if (target.kind === 'user') {
          const inst = await s.installations.forUser(target.aadObjectId);
          if (!inst) throw new SendFailure(undefined, undefined, false, 'user has no installation');
          let result: SendResult = {};
          await proactive(inst.reference as Partial<ConversationReference>, async (ctx) => {
            const res = await ctx.sendActivity(activity);
            result = { activityId: res?.id, conversationId: inst.conversation_id };
          });
          return result;
        }
        const unit = s.directory.intakeUnit(target.unitId);
        if (!unit) throw new SendFailure(undefined, undefined, true, 'unknown intake unit');
        const inst = await s.installations.forTeam(unit.teamId);
        if (!inst) throw new SendFailure(undefined, undefined, false, 'intake team has no installation');
        const reference = inst.reference as Partial<ConversationReference>;
        let result: SendResult = {};
        if (target.kind === 'channel') {
          const channelId = target.channel === 'reports' ? unit.reportsChannelId : unit.consultationsChannelId;
          await proactive(reference, async (ctx) => {
            const [ref, activityId] = await TeamsInfo.sendMessageToTeamsChannel(ctx, activity as Activity, channelId, botAppId);
            result = { activityId, conversationId: ref.conversation?.id };
          });
        } else {
          const threadRef = { ...reference, conversation: { ...(reference.conversation ?? {}), id: target.conversationId } } as Partial<ConversationReference>;
          await proactive(threadRef, async (ctx) => {
            const res = await ctx.sendActivity(activity);
            result = { activityId: res?.id, conversationId: target.conversationId };
          });
        }
        return result;
      } catch (error) {
        const failure = failureOf(error);
        log.debug({ event: 'send.failure', kind: message.kind, status: failure.status }, 'send failed');
        throw failure;
      }
    },
  };

  return {
    sender,
    register(kind: string, renderer: Renderer) {
      renderers.set(kind, renderer);
    },
    /** Replace a card already sent (e.g. the intake card after an action taken elsewhere). */
    async updateCard(reference: Partial<ConversationReference>, activityId: string, card: Card): Promise<void> {
      await adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
        const a = MessageFactory.attachment(CardFactory.adaptiveCard(card));
        a.id = activityId;
        await ctx.updateActivity(a);
      });
    },
  };
}
export type Delivery = ReturnType<typeof makeSender>;
