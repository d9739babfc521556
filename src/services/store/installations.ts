import type { Tx } from './db';

/** Where Värna is installed (the store's `installations`): what src/services/installations.ts adds to it. */

/** Remembers a team's Entra group id learnt after its installation was stored. */
export async function setTeamGroupId(db: Tx, teamId: string, aadGroupId: string): Promise<void> {
  await db.updateTable('installations').set({ aad_group_id: aadGroupId }).where('key', '=', `team:${teamId}`).execute();
}
