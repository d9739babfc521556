import { TeamsInfo, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { teamsText } from '../cards/card';
import type { Logger } from '../log';
import type { Actor } from '../services/actor';
import { ConflictError, NotAllowedError, NotFoundError, NotReadyError, UnavailableError, ValidationError } from '../services/errors';
import { localeOf, strings, type Strings } from '../cards/i18n';
import type { Membership } from './membership';

/**
 * The only place that reads a turn: who acts, in which language, from which conversation.
 * The user is their Entra object id (`from.aadObjectId`) and nothing else: Teams always sends it,
 * other channels of the Azure Bot (Web Chat) do not, and `from.id` is whatever the sender says.
 * Only in local mode (no credentials: anyone can claim anything anyway) does the Emulator's
 * `from.id` stand in. Without an id the actor's `aadObjectId` is empty, and the adapter (kit.ts)
 * shows no personal data to it.
 */
export function actorOf(activity: Activity, opts: { localMode?: boolean } = {}): Actor {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string }; team?: { id?: string }; channel?: { id?: string } };
  const type = activity.conversation?.conversationType;
  const aad = activity.from?.aadObjectId || (opts.localMode ? activity.from?.id : undefined) || '';
  return {
    aadObjectId: aad.toLowerCase(),
    userId: activity.from?.id ?? '',
    // A display name is typed by whoever owns the account: one plain line, capped (cards/card.ts).
    name: teamsText(activity.from?.name ?? ''),
    tenantId: (activity.conversation?.tenantId ?? channelData.tenant?.id ?? '').toLowerCase(),
    locale: localeOf(activity.locale),
    conversation: {
      kind: type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal',
      id: activity.conversation?.id ?? '',
      ...(channelData.team?.id ? { teamId: channelData.team.id } : {}),
      ...(channelData.channel?.id ? { channelId: channelData.channel.id } : {}),
    },
  };
}

/**
 * What a route may ask of Teams about the turn, without the turn itself: membership of a team,
 * the user's profile, a team's channels, and where the conversation can be reached again.
 */
export interface Teams {
  /** Whether the acting user is a member of the team (asked of Teams, cached briefly, fails closed). */
  isMember(teamId: string): Promise<boolean>;
  /** The user's Teams profile (name, e-mail), to prefill a form. Best effort. */
  profile(): Promise<{ name: string; email?: string }>;
  /** The team's channels (id, name as Teams gives it). */
  channels(teamId: string): Promise<Array<{ id: string; name?: string }>>;
  /** The conversation's reference and team, to reach it proactively later. */
  conversation(): { reference: Partial<ConversationReference>; serviceUrl: string; team?: { id: string; aadGroupId?: string } };
  /** Where the card whose button was pressed is (an Action.Execute answer replaces it there). */
  card(): { conversationId: string; activityId: string } | undefined;
}

export function teamsOf(ctx: TurnContext, actor: Actor, membership: Membership): Teams {
  const a = ctx.activity;
  return {
    isMember: (teamId) => membership.isMember(ctx, teamId, actor.aadObjectId, actor.userId),
    async profile() {
      try {
        const member = await TeamsInfo.getMember(ctx, a.from.id);
        return { name: teamsText(member.name || actor.name), ...(member.email ? { email: member.email } : {}) };
      } catch {
        return { name: actor.name };
      }
    },
    async channels(teamId) {
      const all = await TeamsInfo.getTeamChannels(ctx, teamId);
      return all
        .filter((c): c is typeof c & { id: string } => typeof c.id === 'string')
        .map((c) => ({ id: c.id, ...(c.name ? { name: c.name } : {}) }));
    },
    card() {
      return a.type === 'invoke' && a.replyToId && a.conversation?.id
        ? { conversationId: a.conversation.id, activityId: a.replyToId }
        : undefined;
    },
    conversation() {
      const team = (a.channelData as { team?: { id?: unknown; aadGroupId?: unknown } } | undefined)?.team;
      return {
        reference: TurnContext.getConversationReference(a),
        serviceUrl: a.serviceUrl,
        ...(typeof team?.id === 'string'
          ? { team: { id: team.id, ...(typeof team.aadGroupId === 'string' ? { aadGroupId: team.aadGroupId } : {}) } }
          : {}),
      };
    },
  };
}

/** What a handler gets: who acts, their strings, the parsed card data, Teams, and a logger. Never the turn. */
export interface Turn<TData> {
  actor: Actor;
  t: Strings;
  data: TData;
  teams: Teams;
  log: Logger;
}

/** Domain errors in Swedish (or English) words; the log line carries the class, never the data. */
export function describeError(error: unknown, t: Strings): string {
  if (error instanceof ValidationError) return t.errors.validation;
  if (error instanceof NotAllowedError) return refusalOf(error.action, t);
  if (error instanceof NotFoundError) return t.errors.notFound;
  if (error instanceof ConflictError) return t.errors.conflict;
  if (error instanceof UnavailableError) return t.errors.unavailable;
  if (error instanceof NotReadyError) return t.statistics.preparing;
  return t.errors.generic;
}

/**
 * A refusal says what was refused, who may do it and whom to ask (issue 22 §5). The attempt is
 * audited by the service; the user is not told so.
 */
function refusalOf(action: string, t: Strings): string {
  if (action === 'statistics') return t.statistics.refused;
  if (action === 'reminders.unreachable') return t.reminders.unreachableRefused;
  if (action.startsWith('reminder.')) return t.reminders.refused;
  if (action.startsWith('intake.') || action === 'report.view' || action === 'report.export') return t.intake.refusals.notMember;
  if (action === 'consultation.view' || action === 'consultation.reply') return t.consultation.notYours;
  if (action.startsWith('consultation.')) return t.consultation.notMember;
  return t.errors.notAllowed;
}

/** A field from the request, logged only when it has the shape of an id or a name we know. */
export const token = (value: unknown, shape: RegExp): string | undefined =>
  typeof value === 'string' ? (shape.test(value) ? value : 'other') : undefined;
const ID = /^[\w:@.;=/+-]{1,160}$/;
export const NAME = /^[A-Za-z][\w/.-]{0,63}$/;
const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;

/** A logger for the turn. Every field comes from the request, so each is checked for shape. */
export function turnLog(ctx: TurnContext, log: Logger): Logger {
  const a = ctx.activity;
  return log.child({
    reqId: token(a.id, ID) ?? 'none',
    type: token(a.type, NAME),
    name: token(a.name, NAME),
    user: token(a.from?.aadObjectId, GUID),
  });
}

export const stringsFor = (activity: Activity): Strings => strings(localeOf(activity.locale));
