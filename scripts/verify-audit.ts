/**
 * Verifies the audit log's hash chain: `npm run audit:verify` (uses VARNA_STORE_URL).
 * Exit 0 when intact; 1 with the first broken entry when a row was altered, removed or inserted.
 */
import { loadConfig } from '../src/config';
import { openStore } from '../src/services/store';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const store = await openStore(config.env.VARNA_STORE_URL);
  try {
    const result = await store.audit.verify();
    if (result.ok) console.log(`audit chain intact: ${result.entries} entries`);
    else {
      console.error(`audit chain BROKEN at entry ${result.brokenAt}: that entry or the one before it was altered, removed or inserted`);
      process.exitCode = 1;
    }
  } finally {
    await store.close();
  }
}
void main();
