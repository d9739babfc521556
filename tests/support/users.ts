/** People in the tests. Entra ids for principals and statisticians match config/example.yaml. */
export interface TestUser {
  aadObjectId: string;
  name: string;
  locale?: string;
  tenantId?: string;
}

export const TENANT = 'e0e0e0e0-1111-4222-8333-444455556666';

export const as = {
  teacher: { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Tina Testlärare', locale: 'sv-SE' },
  teacherEn: { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000002', name: 'Tom Teacher', locale: 'en-US' },
  otherTeacher: { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000003', name: 'Olle Kollega', locale: 'sv-SE' },
  principal: { aadObjectId: '6f1c2a10-0000-4000-8000-000000000101', name: 'Rektor Ekbacken', locale: 'sv-SE' },
  otherPrincipal: { aadObjectId: '6f1c2a10-0000-4000-8000-000000000103', name: 'Rektor Lyran', locale: 'sv-SE' },
  intake: { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000001', name: 'Ingrid Mottagning', locale: 'sv-SE' },
  intake2: { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000002', name: 'Igor Mottagning', locale: 'sv-SE' },
  statistician: { aadObjectId: '6f1c2a10-0000-4000-8000-000000000201', name: 'Nämndsekreterare', locale: 'sv-SE' },
  stranger: { aadObjectId: 'c3c3c3c3-0000-4000-8000-000000000001', name: 'Någon Annan', locale: 'sv-SE' },
} satisfies Record<string, TestUser>;

/** Strings from test data that must never show up in a log line. */
export const forbiddenInLogs = new Set<string>(Object.values(as).map((u) => u.name));
