import { TurnContext, type Activity } from 'botbuilder';
import type { Logger } from '../log';
import type { Actor } from '../services/actor';
import { ConflictError, NotAllowedError, NotFoundError, UnavailableError, ValidationError } from '../services/errors';
import { localeOf, strings, type Strings } from '../cards/i18n';

/** The only place that reads a turn: who acts, in which language, from which conversation. */
export function actorOf(activity: Activity): Actor {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string }; team?: { id?: string }; channel?: { id?: string } };
  const type = activity.conversation?.conversationType;
  return {
    aadObjectId: (activity.from?.aadObjectId ?? activity.from?.id ?? '').toLowerCase(),
    userId: activity.from?.id ?? '',
    name: activity.from?.name ?? '',
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

export interface Turn<TData> {
  actor: Actor;
  t: Strings;
  data: TData;
  ctx: TurnContext;
  log: Logger;
}

/** Domain errors in Swedish (or English) words; the log line carries the class, never the data. */
export function describeError(error: unknown, t: Strings): string {
  if (error instanceof ValidationError) return t.errors.validation;
  if (error instanceof NotAllowedError) return t.errors.notAllowed;
  if (error instanceof NotFoundError) return t.errors.notFound;
  if (error instanceof ConflictError) return t.errors.conflict;
  if (error instanceof UnavailableError) return t.errors.unavailable;
  return t.errors.generic;
}

/** A field from the request, logged only when it has the shape of an id or a name we know. */
export const token = (value: unknown, shape: RegExp): string | undefined => (typeof value === 'string' ? (shape.test(value) ? value : 'other') : undefined);
const ID = /^[\w:@.;=/+-]{1,160}$/;
export const NAME = /^[A-Za-z][\w/.-]{0,63}$/;
const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;

/** A logger for the turn. Every field comes from the request, so each is checked for shape. */
export function turnLog(ctx: TurnContext, log: Logger): Logger {
  const a = ctx.activity;
  return log.child({ reqId: token(a.id, ID) ?? 'none', type: token(a.type, NAME), name: token(a.name, NAME), user: token(a.from?.aadObjectId, GUID) });
}

export const stringsFor = (activity: Activity): Strings => strings(localeOf(activity.locale));
