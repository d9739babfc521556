export type Locale = 'sv' | 'en';

/** Who acts, as Teams tells us. The Entra object id is the stable key; names are for display only. */
export interface Actor {
  aadObjectId: string;
  /** Teams user id (29:…), needed to reach the user proactively. */
  userId: string;
  name: string;
  tenantId: string;
  locale: Locale;
  conversation: { kind: 'personal' | 'channel' | 'groupChat'; id: string; teamId?: string; channelId?: string };
}
