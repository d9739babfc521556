import type { Clock } from './clock';
import type { Logger } from '../log';
import type { Store } from './store';
import * as installationRows from './store/installations';
import type { InstallationTable } from './store/schema';

export interface InstallationRef {
  tenantId: string;
  serviceUrl: string;
  conversationId: string;
  /** The Bot Framework conversation reference, as JSON (kept opaque here). */
  reference: unknown;
  /** A team's Microsoft 365 group id (`channelData.team.aadGroupId`): Graph names the team by it. */
  aadGroupId?: string;
}

/** Where the bot can reach a user (1:1 chat) or a team, as the install event told it. */
export interface Installation {
  /** `user:<aadObjectId>` or `team:<teamId>`. */
  key: string;
  kind: 'personal' | 'team';
  /** The user's, for a 1:1 installation. */
  aadObjectId?: string;
  /** The team's, for a team installation. */
  teamId?: string;
  tenantId: string;
  serviceUrl: string;
  conversationId: string;
  /** The Bot Framework conversation reference (kept opaque here). */
  reference: unknown;
  /** A team's Microsoft 365 group id; absent for 1:1 installations and teams installed before it was stored. */
  aadGroupId?: string;
  installedAt: Date;
  updatedAt: Date;
}

function installationOf(row: InstallationTable): Installation {
  return {
    key: row.key,
    kind: row.kind,
    ...(row.aad_object_id ? { aadObjectId: row.aad_object_id } : {}),
    ...(row.team_id ? { teamId: row.team_id } : {}),
    tenantId: row.tenant_id,
    serviceUrl: row.service_url,
    conversationId: row.conversation_id,
    reference: JSON.parse(row.reference) as unknown,
    ...(row.aad_group_id ? { aadGroupId: row.aad_group_id } : {}),
    installedAt: new Date(row.installed_at),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * Installation bookkeeping: where the bot can reach a user (1:1 chat) or a team later on.
 * Keys: `user:<aadObjectId>` and `team:<teamId>`.
 */
export function makeInstallations({ store, clock, log }: { store: Store; clock: Clock; log: Logger }) {
  return {
    async personal(aadObjectId: string, ref: InstallationRef): Promise<void> {
      await store.installations.upsert(
        {
          key: `user:${aadObjectId}`,
          kind: 'personal',
          aad_object_id: aadObjectId,
          team_id: null,
          tenant_id: ref.tenantId,
          service_url: ref.serviceUrl,
          conversation_id: ref.conversationId,
          reference: JSON.stringify(ref.reference),
        },
        clock.now(),
      );
      log.info({ event: 'installation.personal', user: aadObjectId }, 'installed for a user');
    },
    async team(teamId: string, ref: InstallationRef): Promise<void> {
      await store.installations.upsert(
        {
          key: `team:${teamId}`,
          kind: 'team',
          aad_object_id: null,
          team_id: teamId,
          tenant_id: ref.tenantId,
          service_url: ref.serviceUrl,
          conversation_id: ref.conversationId,
          reference: JSON.stringify(ref.reference),
          ...(ref.aadGroupId ? { aad_group_id: ref.aadGroupId } : {}),
        },
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
    async forUser(aadObjectId: string): Promise<Installation | undefined> {
      const row = await store.installations.get(`user:${aadObjectId}`);
      return row ? installationOf(row) : undefined;
    },
    async forTeam(teamId: string): Promise<Installation | undefined> {
      const row = await store.installations.get(`team:${teamId}`);
      return row ? installationOf(row) : undefined;
    },
    async list(): Promise<Installation[]> {
      return (await store.installations.list()).map(installationOf);
    },
  };
}
export type Installations = ReturnType<typeof makeInstallations>;
