import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseKeyList, type Config } from './config';
import type { Logger } from './log';
import { makeKeyring, type Keyring } from './services/crypto';

const DEV_KEY_FILE = 'data/dev-keys.json';

/**
 * The master keys. In production they come from the environment (Key Vault). Locally, without
 * them, a development key is generated once into data/ with a loud warning: fine for the
 * Playground, never for real data.
 */
export function loadKeyring(config: Config, log: Logger): Keyring {
  const { env } = config;
  // Checked by loadConfig (keyListProblems): every entry is id:32 bytes, no id twice.
  const old = parseKeyList(env.VARNA_OLD_DATA_KEYS);
  const index = { id: env.VARNA_INDEX_KEY_ID, old: parseKeyList(env.VARNA_OLD_INDEX_KEYS) };
  if (env.VARNA_DATA_KEY) {
    return makeKeyring(
      env.VARNA_DATA_KEY_ID,
      Buffer.from(env.VARNA_DATA_KEY, 'base64'),
      old,
      env.VARNA_INDEX_KEY ? Buffer.from(env.VARNA_INDEX_KEY, 'base64') : undefined,
      index,
    );
  }
  let dev: { id: string; key: string; index: string };
  if (existsSync(DEV_KEY_FILE)) {
    dev = JSON.parse(readFileSync(DEV_KEY_FILE, 'utf8')) as typeof dev;
  } else {
    dev = { id: 'dev', key: randomBytes(32).toString('base64'), index: randomBytes(32).toString('base64') };
    mkdirSync(dirname(DEV_KEY_FILE), { recursive: true });
    writeFileSync(DEV_KEY_FILE, JSON.stringify(dev), { mode: 0o600 });
  }
  log.warn(
    { event: 'keys.development' },
    `NO VARNA_DATA_KEY: using a development key from ${DEV_KEY_FILE}. Never use this with real data.`,
  );
  return makeKeyring(dev.id, Buffer.from(dev.key, 'base64'), old, Buffer.from(dev.index, 'base64'), index);
}
