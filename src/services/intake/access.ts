import type { Directory } from '../municipality';

/** A report's reference as Värna makes them: VÄ-2026-00042. */
export const REFERENCE = /^VÄ-\d{4}-\d{5}$/;

/** What an audit entry names as its subject: the reference, or a code for anything else (never free text). */
export const referenceSubject = (reference: string): string => (REFERENCE.test(reference) ? reference : 'invalid-reference');

/**
 * The intake units whose Teams team the actor belongs to, asked of Teams for every configured unit
 * BEFORE any report is looked up. Whoever belongs to none learns nothing about which references
 * exist: a reference that does not exist and one of another unit get the same refusal, after the
 * same questions to Teams. A failure to ask Teams propagates (fail closed).
 */
export async function memberUnits(directory: Directory, isMember: (teamId: string) => Promise<boolean>): Promise<Set<string>> {
  const units = directory.municipality.intakeUnits;
  const teams = [...new Set(units.map((u) => u.teamId))];
  const answers = new Map(await Promise.all(teams.map(async (team) => [team, await isMember(team)] as const)));
  return new Set(units.filter((u) => answers.get(u.teamId)).map((u) => u.id));
}
