import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');
/** A production environment that starts, but for what a test changes. */
const production = (extra: Record<string, string | undefined> = {}): Record<string, string> =>
  Object.fromEntries(
    Object.entries({
      NODE_ENV: 'production',
      BOT_APP_ID: 'd1d1d1d1-2222-4333-8444-555566667777',
      BOT_APP_PASSWORD: 'x',
      BOT_TENANT_ID: 'e0e0e0e0-1111-4222-8333-444455556666',
      VARNA_DATA_KEY: key(1),
      VARNA_INDEX_KEY: key(2),
      VARNA_PUBLIC_URL: 'https://varna.exempel.se',
      VARNA_AUDIT_KEY: key(3),
      ...extra,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  );

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration in production', () => {
  it('starts with credentials, the data, index and audit keys and an https public address', () => {
    assert.deepEqual(problems(production()), []);
  });

  it('refuses to start without VARNA_PUBLIC_URL: export links would point at http://localhost', () => {
    assert.deepEqual(problems(production({ VARNA_PUBLIC_URL: undefined })), [
      'environment VARNA_PUBLIC_URL: required in production: the public https address of Värna (export links point there)',
    ]);
  });

  it('refuses a public address that is not https: the link carries its signature', () => {
    assert.deepEqual(problems(production({ VARNA_PUBLIC_URL: 'http://varna.exempel.se' })), [
      'environment VARNA_PUBLIC_URL: must be https in production: an export link carries its signature in the address',
    ]);
  });

  it('lets a development or test run do without it', () => {
    assert.deepEqual(problems({ NODE_ENV: 'test' }), []);
  });
});
