import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startBot } from '../support/bot';
import { forbid } from '../support/logs';
import { as } from '../support/users';

const secret = 'Stina Läckesson 201212121212 blir slagen';
forbid(secret, 'Läckesson', '201212121212');

/**
 * Every field of an activity is the sender's to choose. Log lines carry ids and event names only,
 * and a field that does not have the shape of one is logged as "other", never as typed.
 */
describe('logs: nothing an activity carries reaches a log line unless it is an id', () => {
  it('does not log free text smuggled into the activity type, name, id or user id', async () => {
    const bot = await startBot();
    try {
      await bot.post(bot.baseActivity(as.teacher, { type: secret, text: secret }));
      await bot.post(bot.baseActivity(as.teacher, { type: 'invoke', name: secret, id: secret, value: { secret } }));
      await bot.post({
        ...bot.baseActivity(as.teacher, { type: 'message', text: secret }),
        from: { id: secret, aadObjectId: secret, name: secret },
      });
      await bot.post(
        bot.baseActivity(as.teacher, {
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', verb: 'duty.show', data: { verb: 'duty.show', topic: secret, [secret]: secret } } },
        }),
      );
      const hits = bot.logs.lines.filter((l) => l.includes('Läckesson') || l.includes('201212121212'));
      assert.deepEqual(hits, []);
      assert.ok(
        bot.logs.events().some((e) => e.event === 'action.invalid'),
        'the refused card data was logged, by field name only',
      );
    } finally {
      await bot.destroy();
    }
  });
});

describe('logs: an error nobody handled', () => {
  it('is logged without its message, and the process ends for a restart', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(os.tmpdir(), 'varna-fatal-'));
    try {
      // A rejection nobody awaits, two seconds after start, whose message quotes a report: the
      // kind of bug that would otherwise print the child's name to the platform's log.
      const preload = join(dir, 'fault.js');
      writeFileSync(
        preload,
        `setTimeout(() => { Promise.reject(Object.assign(new Error(${JSON.stringify(secret)}), { code: 'E_TEST' })); }, 2000);\n`,
      );
      const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-r', 'tsx/cjs', '-r', preload, 'src/index.ts'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: '0',
          LOG_LEVEL: 'info',
          VARNA_STORE_URL: `sqlite:${join(dir, 'varna.db')}`,
          VARNA_CONFIG: 'config/example.yaml',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 1);
      const fatal = stdout
        .split('\n')
        .filter((l) => l.includes('"process.fatal"'))
        .map((l) => JSON.parse(l) as Record<string, any>);
      assert.equal(fatal.length, 1, stdout.slice(-500));
      assert.deepEqual(
        { kind: fatal[0]!.kind, type: fatal[0]!.err.type, code: fatal[0]!.err.code },
        { kind: 'unhandledRejection', type: 'Error', code: 'E_TEST' },
      );
      for (const out of [stdout, stderr])
        assert.ok(!out.includes('Läckesson') && !out.includes('201212121212'), `personal data printed: ${out.slice(-300)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
