import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Clock } from '../services/clock';
import { NAME, stringsFor, token, turnLog } from './turn';

/**
 * What stands between an authenticated activity and the application: the tenant gate and the
 * per-user rate limit. Both run before any turn state is read or written, so a refused activity
 * leaves no trace in the store, only a log line.
 */
export interface GateOptions {
  config: Config;
  clock: Clock;
  log: Logger;
  /** Requests a user may make in a burst. */
  burst?: number;
  /** Requests a user may make per minute, sustained. */
  perMinute?: number;
}

/**
 * The tenant an activity comes from, or undefined when it names none or two different ones.
 * Teams puts it in conversation.tenantId and in channelData.tenant.id; they must agree.
 */
export function tenantOf(activity: Activity): string | undefined {
  const fromConversation = activity.conversation?.tenantId?.toLowerCase();
  const fromChannelData = ((activity.channelData ?? {}) as { tenant?: { id?: unknown } }).tenant?.id;
  const channelTenant = typeof fromChannelData === 'string' ? fromChannelData.toLowerCase() : undefined;
  if (fromConversation && channelTenant && fromConversation !== channelTenant) return undefined;
  return fromConversation || channelTenant || undefined;
}

/** A token bucket per user: `burst` at once, refilled at `perMinute`. Memory is bounded. */
export function makeRateLimiter(clock: Clock, burst: number, perMinute: number, maxUsers = 50_000) {
  const buckets = new Map<string, { tokens: number; at: number; told: boolean }>();
  return {
    /** Takes one token; false when the user has none left. `firstRefusal` tells whether to say so. */
    take(user: string): { allowed: boolean; firstRefusal: boolean } {
      const now = clock.now().getTime();
      let b = buckets.get(user);
      if (!b) {
        if (buckets.size >= maxUsers) buckets.delete(buckets.keys().next().value!);
        b = { tokens: burst, at: now, told: false };
      } else buckets.delete(user); // re-insert below: the map stays ordered by last use
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 60_000) * perMinute);
      b.at = now;
      buckets.set(user, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        b.told = false;
        return { allowed: true, firstRefusal: false };
      }
      const firstRefusal = !b.told;
      b.told = true;
      return { allowed: false, firstRefusal };
    },
  };
}

/** The answer to an invoke the bot will not run: Teams expects a response of the right shape. */
async function answerInvoke(ctx: TurnContext, status: number, text?: string): Promise<void> {
  const name = ctx.activity.name ?? '';
  let body: unknown;
  if (text && name === 'adaptiveCard/action') body = { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
  else if (text && name === 'task/fetch') body = { task: { type: 'message', value: text } };
  else if (text && name === 'task/submit') body = { task: { type: 'message', value: text } };
  await ctx.sendActivity({ type: 'invokeResponse', value: { status: text ? 200 : status, body } });
}

export function makeGate({ config, clock, log, burst = 30, perMinute = 60 }: GateOptions) {
  const limiter = makeRateLimiter(clock, burst, perMinute);
  return {
    /** True when the turn may run; otherwise the activity has been answered (or dropped) here. */
    async admit(ctx: TurnContext): Promise<boolean> {
      const a = ctx.activity;
      // With credentials (always in production) only Teams gets in: the Azure Bot's other channels
      // (Web Chat is on by default) carry no Entra identity, so they could act as anyone.
      if (!config.localMode && a.channelId !== 'msteams') {
        turnLog(ctx, log).warn(
          { event: 'channel.refused', channel: token(a.channelId, NAME) ?? 'none' },
          'activity from a channel other than Teams dropped',
        );
        if (a.type === ActivityTypes.Invoke) await answerInvoke(ctx, 403);
        return false;
      }
      const tenant = tenantOf(a);
      if (config.allowedTenants.length > 0 && (!tenant || !config.allowedTenants.includes(tenant))) {
        // The token says the activity came through Teams, not from which organisation.
        turnLog(ctx, log).warn({ event: 'tenant.refused', tenant: tenant ?? 'none' }, 'activity from another tenant dropped');
        if (a.type === ActivityTypes.Invoke) await answerInvoke(ctx, 403);
        return false;
      }
      const user = (a.from?.aadObjectId ?? a.from?.id ?? '').toLowerCase();
      // Installs and membership changes are Teams' doing, not the user's: never limited.
      if (!user || (a.type !== ActivityTypes.Message && a.type !== ActivityTypes.Invoke)) return true;
      const { allowed, firstRefusal } = limiter.take(user);
      if (allowed) return true;
      const t = stringsFor(a);
      if (firstRefusal) turnLog(ctx, log).warn({ event: 'rate.limited' }, 'user over the rate limit');
      if (a.type === ActivityTypes.Invoke) await answerInvoke(ctx, 429, t.errors.rateLimited);
      // A message is answered once per burst of refusals, so a flood is not echoed back.
      else if (firstRefusal) await ctx.sendActivity(t.errors.rateLimited);
      return false;
    },
  };
}
