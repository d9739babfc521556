import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Clock } from '../services/clock';
import { UnavailableError } from '../services/errors';

const TTL_MS = 5 * 60_000;

/**
 * Intake team membership, asked of Teams (the team's roster is the truth, not our config).
 * Answers are cached briefly so a burst of card presses does not hammer the API; a removed
 * member loses access within the TTL. Failures other than "not a member" fail closed.
 */
export function makeMembership(clock: Clock) {
  const cache = new Map<string, { member: boolean; until: number }>();
  return {
    async isMember(ctx: TurnContext, teamId: string, aadObjectId: string, userId: string): Promise<boolean> {
      const key = `${teamId}|${aadObjectId}`;
      const now = clock.now().getTime();
      const hit = cache.get(key);
      if (hit && hit.until > now) return hit.member;
      let member: boolean;
      try {
        const found = await TeamsInfo.getTeamMember(ctx, teamId, userId || aadObjectId);
        member = (found.aadObjectId ?? '').toLowerCase() === aadObjectId.toLowerCase();
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status !== 404 && status !== 403) throw new UnavailableError('membership check failed');
        member = false;
      }
      cache.set(key, { member, until: now + TTL_MS });
      return member;
    },
    forget(): void {
      cache.clear();
    },
  };
}
export type Membership = ReturnType<typeof makeMembership>;
