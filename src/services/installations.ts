import type { Clock } from './clock';
import type { Logger } from '../log';
import type { Store } from './store';
import * as installationRows from './store/installations';

export interface InstallationRef {
  tenantId: string;
  serviceUrl: string;
  conversationId: string;
  /** The Bot Framework conversation reference, as JSON (kept opaque here). */
  reference: unknown;
  /** A team's Microsoft 365 group id (`channelData.team.aadGroupId`): Graph names the team by it. */
  aadGroupId?: string;
}

/**
 * Installation bookkeeping: where the bot can reach a user (1:1 chat) or a team later on.
 * Keys: `user:<aadObjectId>` and `team:<teamId>`.
 */
export function makeInstallations({ store, clock, log }: { store: Store; clock: Clock; log: Logger }) {
  return {
    async personal(aadObjectId: string, ref: InstallationRef): Promise<void> {
      await store.installations.upsert(
        { key: `user:${aadObjectId}`, kind: 'personal', aad_object_id: aadObjectId, team_id: null, tenant_id: ref.tenantId, service_url: ref.serviceUrl, conversation_id: ref.conversationId, reference: JSON.stringify(ref.reference) },
        clock.now(),
      );
      log.info({ event: 'installation.personal', user: aadObjectId }, 'installed for a user');
    },
    async team(teamId: string, ref: InstallationRef): Promise<void> {
      await store.installations.upsert(
        { key: `team:${teamId}`, kind: 'team', aad_object_id: null, team_id: teamId, tenant_id: ref.tenantId, service_url: ref.serviceUrl, conversation_id: ref.conversationId, reference: JSON.stringify(ref.reference), ...(ref.aadGroupId ? { aad_group_id: ref.aadGroupId } : {}) },
        clock.now(),
      );
      log.info({ event: 'installation.team', team: teamId }, 'installed in a team');
    },
    /** Remembers a team's group id learnt later (installations from before it was stored). */
    async setTeamGroupId(teamId: string, aadGroupId: string): Promise<void> {
      await installationRows.setTeamGroupId(store.db, teamId, aadGroupId);
    },
    async removePersonal(aadObjectId: string): Promise<void> {
      await store.installations.remove(`user:${aadObjectId}`);
      log.info({ event: 'installation.removed', user: aadObjectId }, 'uninstalled by a user');
    },
    async removeTeam(teamId: string): Promise<void> {
      await store.installations.remove(`team:${teamId}`);
      log.info({ event: 'installation.removed', team: teamId }, 'uninstalled from a team');
    },
    async forUser(aadObjectId: string) {
      const row = await store.installations.get(`user:${aadObjectId}`);
      return row ? { ...row, reference: JSON.parse(row.reference) as unknown } : undefined;
    },
    async forTeam(teamId: string) {
      const row = await store.installations.get(`team:${teamId}`);
      return row ? { ...row, reference: JSON.parse(row.reference) as unknown } : undefined;
    },
    list: () => store.installations.list(),
  };
}
export type Installations = ReturnType<typeof makeInstallations>;
