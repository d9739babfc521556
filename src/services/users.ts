import type { Clock } from './clock';
import type { Store } from './store';

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

type UserRow = NonNullable<Awaited<ReturnType<Store['users']['get']>>>;

/** A column's value as an optional field: absent when the column is null. */
const optional = <K extends string>(key: K, value: string | null | undefined) => (value == null ? {} : { [key]: value }) as { [P in K]?: string };

function profileOf(row: UserRow): UserProfile {
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

/** A user's stored profile, read and changed through here (the bot never sees the table row). */
export function makeUsers({ store, clock }: { store: Store; clock: Clock }) {
  return {
    async profile(aadObjectId: string): Promise<UserProfile | undefined> {
      const row = await store.users.get(aadObjectId);
      return row ? profileOf(row) : undefined;
    },
    async update(aadObjectId: string, patch: ProfilePatch): Promise<void> {
      const { locale, schoolId, phone, handlerPhone, role } = patch;
      await store.users.update(
        aadObjectId,
        {
          ...(locale !== undefined ? { locale } : {}),
          ...(schoolId !== undefined ? { school_id: schoolId } : {}),
          ...(phone !== undefined ? { phone } : {}),
          ...(handlerPhone !== undefined ? { handler_phone: handlerPhone } : {}),
          ...(role !== undefined ? { role } : {}),
        },
        clock.now(),
      );
    },
    /** Remembers the language of the user's Teams client, so proactive cards speak it too; no write when unchanged. */
    async rememberLocale(aadObjectId: string, locale: string): Promise<void> {
      const known = await store.users.get(aadObjectId);
      if (known?.locale !== locale) await store.users.update(aadObjectId, { locale }, clock.now());
    },
  };
}
export type Users = ReturnType<typeof makeUsers>;
