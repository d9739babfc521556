import type { AuditKeys } from '../../src/services/store';

/** The audit key of tests that open a store without the services (which install it from the environment). */
export const TEST_AUDIT_KEY = Buffer.alloc(32, 0xa7);
export const TEST_AUDIT_KEYS: AuditKeys = { currentId: 'test', keys: new Map([['test', TEST_AUDIT_KEY]]) };
