/**
 * The users repository: what Värna remembers about a user between turns (the store's `users`).
 * Every function takes the executor first (the store's db, or a transaction); a profile comes back
 * camelCase with a real Date, and a patch goes in camelCase: the row's columns go no further than this file.
 */
import type { Tx } from './db';
import type { UserTable } from './schema';

/**
 * What Värna remembers about a user between turns, to speak their language and prefill their next
 * form: never anything about a child. Gallrad with the user's last report (retention.ts).
 */
export interface UserProfile {
  aadObjectId: string;
  /** The language their Teams client told us last ('en-GB', 'sv-SE'…). */
  locale?: string;
  /** The school they chose on their last report or consultation. */
  schoolId?: string;
  /** The phone they gave as a reporter. */
  phone?: string;
  /** The phone they gave when taking a report as a handler (migration 0140): never a reporter's phone. */
  handlerPhone?: string;
  /** The role they gave on their last report (lärare, kurator…). */
  role?: string;
  updatedAt: Date;
}

/** The stored profile's fields that can be changed; `null` clears one. */
export type ProfilePatch = { [K in 'locale' | 'schoolId' | 'phone' | 'handlerPhone' | 'role']?: string | null };

/** A column's value as an optional field: absent when the column is null. */
const optional = <K extends string>(key: K, value: string | null | undefined) =>
  (value == null ? {} : { [key]: value }) as { [P in K]?: string };

/** The profile a row holds. */
export function profileOf(row: UserTable): UserProfile {
  return {
    aadObjectId: row.aad_object_id,
    ...optional('locale', row.locale),
    ...optional('schoolId', row.school_id),
    ...optional('phone', row.phone),
    ...optional('handlerPhone', row.handler_phone),
    ...optional('role', row.role),
    updatedAt: new Date(row.updated_at),
  };
}

/** The columns a patch changes; a field left out is left as it is. */
function columnsOf({
  locale,
  schoolId,
  phone,
  handlerPhone,
  role,
}: ProfilePatch): Partial<Pick<UserTable, 'locale' | 'school_id' | 'phone' | 'handler_phone' | 'role'>> {
  return {
    ...(locale !== undefined ? { locale } : {}),
    ...(schoolId !== undefined ? { school_id: schoolId } : {}),
    ...(phone !== undefined ? { phone } : {}),
    ...(handlerPhone !== undefined ? { handler_phone: handlerPhone } : {}),
    ...(role !== undefined ? { role } : {}),
  };
}

export async function userProfile(db: Tx, aadObjectId: string): Promise<UserProfile | undefined> {
  const row = await db.selectFrom('users').selectAll().where('aad_object_id', '=', aadObjectId).executeTakeFirst();
  return row ? profileOf(row) : undefined;
}

/** Changes the fields the patch names (a new user's others are empty) and stamps the change. */
export async function updateProfile(db: Tx, aadObjectId: string, patch: ProfilePatch, now: Date): Promise<void> {
  const columns = columnsOf(patch);
  const updatedAt = now.toISOString();
  await db
    .insertInto('users')
    .values({ aad_object_id: aadObjectId, locale: null, school_id: null, phone: null, role: null, ...columns, updated_at: updatedAt })
    .onConflict((oc) => oc.column('aad_object_id').doUpdateSet({ ...columns, updated_at: updatedAt }))
    .execute();
}
