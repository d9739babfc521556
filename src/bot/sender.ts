import { CardFactory, MessageFactory, TeamsInfo, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { Card } from '../cards/card';
import { markForDelivery, possibleRepeatLine } from '../cards/delivery';
import type { Logger } from '../log';
import { UnavailableError } from '../services/errors';
import {
  SendFailure,
  type FindResult,
  type OutboxMessage,
  type SendOptions,
  type SendResult,
  type Sender,
  type Target,
} from '../services/outbox';
import type { Services } from '../services';
import type { GraphLookup } from './graph';

/** Turns a stored message intent into what Teams should show, from the store's state at send time (the table: delivery.ts). */
export type Renderer = (
  message: OutboxMessage,
  target: Target,
) => Promise<{
  card?: Card;
  text?: string;
  summary?: string;
  skip?: boolean;
  /** Update this message instead of sending a new one. */ replaces?: string;
  /** Delete this message. */ deletes?: string;
}>;

/** The reference of a thread: the team's (or user's) stored reference, with the thread's conversation id. */
export function threadReference(base: Partial<ConversationReference>, conversationId: string): Partial<ConversationReference> {
  return { ...base, conversation: { ...(base.conversation ?? {}), id: conversationId } } as Partial<ConversationReference>;
}

/**
 * Delivers outbox messages over the Bot Framework: to a user's 1:1 chat (their installation), as a
 * new thread in an intake unit's channel, or as a reply in an existing thread.
 */
export function makeSender(
  adapter: TeamsAdapter,
  botAppId: string,
  s: Services,
  log: Logger,
  table: Readonly<Record<string, Renderer>>,
  graph?: GraphLookup,
) {
  const renderers = new Map<string, Renderer>(Object.entries(table));

  function activityOf(r: { card?: Card; text?: string; summary?: string }, opts: SendOptions): Partial<Activity> {
    if (r.card) {
      const a = MessageFactory.attachment(CardFactory.adaptiveCard(markForDelivery(r.card, opts.marker, opts.possibleRepeat)));
      if (r.summary) a.summary = r.summary;
      return a;
    }
    return MessageFactory.text(opts.possibleRepeat ? `${possibleRepeatLine()}\n\n${r.text ?? ''}` : (r.text ?? ''));
  }

  /**
   * The team's Microsoft 365 group id, which Graph needs: stored at install; for teams installed
   * before it was stored, asked of Teams once (team details) and remembered.
   */
  async function groupIdOf(teamId: string): Promise<string | undefined> {
    const inst = await s.installations.forTeam(teamId);
    if (!inst) return undefined;
    if (inst.aadGroupId) return inst.aadGroupId;
    let groupId: string | undefined;
    try {
      await proactive(inst.reference as Partial<ConversationReference>, async (ctx) => {
        groupId = (await TeamsInfo.getTeamDetails(ctx, teamId)).aadGroupId ?? undefined;
      });
    } catch (error) {
      log.warn(
        { event: 'graph.group-id-failed', status: (error as { statusCode?: number }).statusCode },
        "could not learn the team's group id",
      );
      return undefined;
    }
    if (groupId && /^[0-9a-f-]{36}$/i.test(groupId)) {
      await s.installations.setTeamGroupId(teamId, groupId);
      return groupId;
    }
    return undefined;
  }

  function failureOf(error: unknown): SendFailure {
    if (error instanceof SendFailure) return error;
    const e = error as { statusCode?: number; code?: string; response?: { headers?: { get?(name: string): string | undefined } } };
    const status = e.statusCode;
    const retryAfter = e.response?.headers?.get?.('retry-after');
    const retryAfterMs = retryAfter
      ? Number.isFinite(Number(retryAfter))
        ? Number(retryAfter) * 1000
        : Math.max(0, Date.parse(retryAfter) - Date.now())
      : undefined;
    // 400/403/404: the bot was removed or the conversation is gone; retrying will not help.
    const permanent = status === 400 || status === 403 || status === 404;
    // No answer from the Connector (dropped connection, reset): the message may have arrived,
    // unless the connection was never made.
    const uncertain = status === undefined && e.code !== 'ECONNREFUSED' && e.code !== 'ENOTFOUND';
    return new SendFailure(status, retryAfterMs, permanent, (error as Error).name || 'send failed', uncertain);
  }

  /**
   * No hidden retries inside the Connector client for proactive sends: the outbox retries itself,
   * durably, with Retry-After and pacing. The SDK's own policy would sleep through Retry-After
   * inside the request and hide the throttling from the outbox.
   */
  function withoutSdkRetries(ctx: TurnContext): ConnectorClient {
    const connector = ctx.turnState.get<ConnectorClient>(adapter.ConnectorClientKey);
    const inner = (connector as unknown as { client?: { pipeline?: { removePolicy(o: { name: string }): unknown } } }).client;
    inner?.pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
    return connector;
  }

  /**
   * Runs `logic` in a proactive turn and lets its errors reach the caller: the adapter would
   * otherwise hand them to the app's turn-error handler and the outbox would count a failed send
   * as delivered.
   */
  async function proactive(reference: Partial<ConversationReference>, logic: (ctx: TurnContext) => Promise<void>): Promise<void> {
    let failure: unknown;
    await adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
      try {
        await logic(ctx);
      } catch (error) {
        failure = error;
      }
    });
    if (failure) throw failure;
  }

  const sender: Sender = {
    conversationOf(target) {
      if (target.kind === 'user') return `user:${target.aadObjectId}`;
      if (target.kind === 'channel') return `channel:${target.unitId}:${target.channel}`;
      return `thread:${target.conversationId}`;
    },
    async send(target, message, opts): Promise<SendResult> {
      const render = renderers.get(message.kind);
      if (!render) throw new SendFailure(undefined, undefined, true, `no renderer for ${message.kind}`);
      const rendered = await render(message, target);
      // The intent is void by now (a reminder marked done, a draft already sent): nothing to send.
      if (rendered.skip) return {};
      const activity = activityOf(rendered, opts);
      try {
        const existing = rendered.replaces ?? rendered.deletes;
        if (existing) {
          // A message Värna sent earlier (a purged report's): updated or deleted where it is.
          if (target.kind === 'channel') throw new SendFailure(undefined, undefined, true, 'a channel post is changed in its thread');
          const inst =
            target.kind === 'user'
              ? await s.installations.forUser(target.aadObjectId)
              : await s.installations.forTeam(s.directory.intakeUnit(target.unitId)?.teamId ?? '');
          if (!inst) throw new SendFailure(undefined, undefined, false, 'no installation');
          const base = inst.reference as Partial<ConversationReference>;
          const reference = target.kind === 'thread' ? threadReference(base, target.conversationId) : base;
          try {
            await proactive(reference, async (ctx) => {
              withoutSdkRetries(ctx);
              if (rendered.deletes) await ctx.deleteActivity(existing);
              else await ctx.updateActivity({ ...activity, id: existing });
            });
          } catch (error) {
            // Gone already (deleted in Teams): nothing left to replace.
            if ((error as { statusCode?: number }).statusCode === 404) return {};
            throw error;
          }
          return { activityId: existing, conversationId: reference.conversation?.id };
        }
        if (target.kind === 'user') {
          const inst = await s.installations.forUser(target.aadObjectId);
          if (!inst) throw new SendFailure(undefined, undefined, false, 'user has no installation');
          let result: SendResult = {};
          await proactive(inst.reference as Partial<ConversationReference>, async (ctx) => {
            withoutSdkRetries(ctx);
            const res = await ctx.sendActivity(activity);
            result = { activityId: res?.id, conversationId: inst.conversationId };
          });
          return result;
        }
        const unit = s.directory.intakeUnit(target.unitId);
        if (!unit) throw new SendFailure(undefined, undefined, true, 'unknown intake unit');
        // The on-call channel may be in another team (where Värna must be installed too).
        const onCall = target.kind === 'channel' && target.channel === 'onCall' ? unit.onCall : undefined;
        if (target.kind === 'channel' && target.channel === 'onCall' && !(onCall && 'channelId' in onCall))
          throw new SendFailure(undefined, undefined, true, 'no on-call channel configured');
        const teamId = onCall && 'channelId' in onCall ? (onCall.teamId ?? unit.teamId) : unit.teamId;
        const inst = await s.installations.forTeam(teamId);
        if (!inst) throw new SendFailure(undefined, undefined, false, 'intake team has no installation');
        const reference = inst.reference as Partial<ConversationReference>;
        let result: SendResult = {};
        if (target.kind === 'channel') {
          const channelId =
            onCall && 'channelId' in onCall
              ? onCall.channelId
              : target.channel === 'reports'
                ? unit.reportsChannelId
                : unit.consultationsChannelId;
          await proactive(reference, async (ctx) => {
            // What TeamsInfo.sendMessageToTeamsChannel does, on this turn's (retry-free) client.
            const connector = withoutSdkRetries(ctx);
            const res = await connector.conversations.createConversation({
              isGroup: true,
              channelData: { channel: { id: channelId } },
              activity: activity as Activity,
              bot: { id: botAppId, name: 'Värna' },
              members: [],
            } as never);
            result = { activityId: res.activityId, conversationId: res.id };
          });
        } else {
          await proactive(threadReference(reference, target.conversationId), async (ctx) => {
            withoutSdkRetries(ctx);
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
    async find(target, marker, since): Promise<FindResult> {
      // A 1:1 chat cannot be read back with a permission a municipality should grant (only the
      // tenant-wide Chat.Read.All): such a message is resent, marked (docs/security.md §7).
      if (target.kind === 'user') return { status: 'unknown', reason: 'one-to-one' };
      if (!graph) return { status: 'unknown', reason: 'no-graph' };
      const unit = s.directory.intakeUnit(target.unitId);
      if (!unit) return { status: 'unknown', reason: 'unknown-unit' };
      const onCall = target.kind === 'channel' && target.channel === 'onCall' ? unit.onCall : undefined;
      const groupId = await groupIdOf(onCall && 'channelId' in onCall ? (onCall.teamId ?? unit.teamId) : unit.teamId);
      if (!groupId) return { status: 'unknown', reason: 'no-group-id' };
      try {
        if (target.kind === 'channel') {
          const channelId =
            onCall && 'channelId' in onCall
              ? onCall.channelId
              : target.channel === 'reports'
                ? unit.reportsChannelId
                : unit.consultationsChannelId;
          return await graph.channelPost(groupId, channelId, marker, since);
        }
        return await graph.threadReply(groupId, target.conversationId, marker);
      } catch (error) {
        log.warn({ event: 'graph.lookup-failed', reason: (error as Error).name }, 'Graph look-up for an interrupted send failed');
        return { status: 'unknown', reason: 'graph-unavailable' };
      }
    },
  };

  return {
    sender,
    /** A kind outside the table, for a test's own messages (tests/support/instance.ts); never one the table has. */
    register(kind: string, renderer: Renderer) {
      if (renderers.has(kind)) throw new Error(`${kind} is rendered by delivery.ts`);
      renderers.set(kind, renderer);
    },
    /**
     * Whether a user is a member of a team now, asked of Teams outside any turn (a browser download
     * has none) through the team's installation. Not cached: a member who left is refused at once.
     * Fails closed: UnavailableError when Teams cannot be asked (no installation, an error, no answer).
     */
    async isTeamMember(teamId: string, aadObjectId: string): Promise<boolean> {
      const inst = await s.installations.forTeam(teamId);
      if (!inst) throw new UnavailableError('membership: the team has no installation');
      let member = false;
      try {
        await proactive(inst.reference as Partial<ConversationReference>, async (ctx) => {
          withoutSdkRetries(ctx);
          const found = await TeamsInfo.getTeamMember(ctx, teamId, aadObjectId);
          member = (found.aadObjectId ?? '').toLowerCase() === aadObjectId.toLowerCase();
        });
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        // Teams answers 404 for someone who is not (or no longer) in the team.
        if (status === 404) return false;
        log.warn({ event: 'membership.unavailable', status }, 'could not ask Teams about team membership');
        throw new UnavailableError('membership check failed');
      }
      return member;
    },
    /**
     * Replace a card already sent in a thread of an intake unit's channel (the report's or the
     * consultation's card after an action taken elsewhere). Nothing happens when the unit or its
     * team's installation is unknown (the card is not even made); a failed update throws (callers
     * treat it as best effort).
     */
    async updateInThread(
      unitId: string,
      thread: { conversationId: string; activityId: string },
      card: () => Card | Promise<Card>,
    ): Promise<void> {
      const unit = s.directory.intakeUnit(unitId);
      const inst = unit && (await s.installations.forTeam(unit.teamId));
      if (!inst) return;
      const updated = await card();
      await proactive(threadReference(inst.reference as Partial<ConversationReference>, thread.conversationId), async (ctx) => {
        const a = MessageFactory.attachment(CardFactory.adaptiveCard(updated));
        a.id = thread.activityId;
        await ctx.updateActivity(a);
      });
    },
  };
}
export type Delivery = ReturnType<typeof makeSender>;
