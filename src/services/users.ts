import type { Clock } from './clock';
import type { Store } from './store';
import * as userRows from './store/users';
import type { ProfilePatch, UserProfile } from './store/users';

export type { ProfilePatch, UserProfile } from './store/users';

/** A user's stored profile, read and changed through here (the bot never sees the table row). */
export function makeUsers({ store, clock }: { store: Store; clock: Clock }) {
  return {
    profile: (aadObjectId: string): Promise<UserProfile | undefined> => userRows.userProfile(store.db, aadObjectId),
    async update(aadObjectId: string, patch: ProfilePatch): Promise<void> {
      await userRows.updateProfile(store.db, aadObjectId, patch, clock.now());
    },
    /** Remembers the language of the user's Teams client, so proactive cards speak it too; no write when unchanged. */
    async rememberLocale(aadObjectId: string, locale: string): Promise<void> {
      const known = await userRows.userProfile(store.db, aadObjectId);
      if (known?.locale !== locale) await userRows.updateProfile(store.db, aadObjectId, { locale }, clock.now());
    },
  };
}
export type Users = ReturnType<typeof makeUsers>;
