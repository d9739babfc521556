import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type TestBot } from '../support/bot';
import { rowCounts } from '../support/scan';
import { TestIdentity } from '../support/identity';
import { as } from '../support/users';

/** Everything left in a folder, recursively (formidable writes its uploads straight into it). */
const filesIn = (dir: string) => readdirSync(dir, { recursive: true }).map(String);

/**
 * Runs `fn` with the process's temp folder (os.tmpdir(), where restify's multipart parser put its
 * uploads) pointed at a fresh, empty folder, and returns what was left in it.
 */
async function inFreshTempDir(fn: () => Promise<void>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'varna-tmpdir-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    assert.equal(tmpdir(), dir);
    await fn();
    return filesIn(dir);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A multipart/form-data body with one file part of `bytes` bytes. */
function multipart(bytes: number): { body: Buffer; type: string } {
  const boundary = '----varna-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, Buffer.alloc(bytes, 0x61), tail]), type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * POSTs an endless chunked JSON body (no Content-Length), writing as fast as the connection takes
 * it, until the server answers or cuts the connection, or `cap` bytes are written. Returns what was
 * written by then and the answer, if one arrived.
 */
function postEndless(url: string, cap: number): Promise<{ written: number; status?: number; error?: string }> {
  return new Promise((resolve) => {
    let written = 0;
    let status: number | undefined;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      resolve({ written, ...(status !== undefined ? { status } : {}), ...(error ? { error } : {}) });
    };
    const req = request(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('response', (res) => {
      status = res.statusCode;
      res.resume();
      res.on('end', () => finish());
      req.destroy();
    });
    req.on('error', (error) => finish((error as NodeJS.ErrnoException).code ?? 'error'));
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const pump = () => {
      while (!settled && written < cap) {
        const more = req.write(written === 0 ? Buffer.concat([Buffer.from('{"type":"message","text":"'), chunk]) : chunk);
        written += chunk.length;
        if (!more) return void req.once('drain', pump);
      }
      if (!settled) req.end('"}');
    };
    pump();
  });
}

describe('HTTP: nothing unauthenticated costs disk, and a body is refused while it is read', () => {
  describe('with bot credentials', () => {
    let identity: TestIdentity;
    let bot: TestBot;
    before(async () => {
      identity = await new TestIdentity().start();
    });
    after(async () => identity.stop());
    beforeEach(async () => {
      bot = await startBot({ identity, env: { VARNA_MAX_BODY_BYTES: '65536' } });
    });
    afterEach(async () => bot.destroy());

    it('refuses a 5 MB multipart upload without a token and leaves no file in the temp folder', async () => {
      const before = await rowCounts(bot.services.store.db);
      const { body, type } = multipart(5 * 1024 * 1024);
      let status = 0;
      const left = await inFreshTempDir(async () => {
        const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': type }, body }).catch(
          () => undefined,
        );
        status = res?.status ?? 0;
        await res?.arrayBuffer().catch(() => undefined);
      });
      assert.deepEqual(left, [], 'no temporary file');
      assert.ok(status === 401 || status === 0, `refused (got ${status})`);
      assert.deepEqual(await rowCounts(bot.services.store.db), before, 'nothing stored');
      bot.connector.assertNothingElseSent();
    });

    it('refuses the same upload with a (forged) token as not JSON (415), and writes nothing to disk', async () => {
      const { body, type } = multipart(5 * 1024 * 1024);
      let status = 0;
      const left = await inFreshTempDir(async () => {
        const res = await fetch(`${bot.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': type, authorization: 'Bearer forged.token.here' },
          body,
        }).catch(() => undefined);
        status = res?.status ?? 0;
        await res?.arrayBuffer().catch(() => undefined);
      });
      assert.deepEqual(left, [], 'no temporary file');
      assert.ok(status === 415 || status === 0, `refused (got ${status})`);
    });

    it('still serves an activity with a valid token', async () => {
      const res = await bot.post(bot.baseActivity(as.teacher, { type: 'message', text: 'hej' }));
      assert.equal(res.status, 200);
    });
  });

  describe('in local mode', () => {
    let bot: TestBot;
    beforeEach(async () => {
      bot = await startBot({ env: { VARNA_MAX_BODY_BYTES: '65536' } });
    });
    afterEach(async () => bot.destroy());

    it('accepts application/json only: form, text and multipart bodies are answered 415 and nothing runs', async () => {
      const activity = JSON.stringify(bot.baseActivity(as.teacher, { type: 'message', text: 'hej' }));
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
        const res = await fetch(`${bot.url}/api/messages`, {
          method: 'POST',
          headers: type ? { 'content-type': type } : {},
          body: activity,
        });
        assert.equal(res.status, 415, type);
        assert.deepEqual(await res.json(), { error: 'application/json expected' });
      }
      const gz = await fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: activity,
      });
      assert.equal(gz.status, 415, 'no compressed bodies');
      bot.connector.assertNothingElseSent();
      const ok = await fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: activity,
      });
      assert.equal(ok.status, 200, "Teams' own content type is served");
    });

    it('cuts a chunked JSON body off at the limit instead of reading it to its end', async () => {
      const cap = 64 * 1024 * 1024;
      const left = await inFreshTempDir(async () => {
        const result = await postEndless(bot.url, cap);
        // The answer (413) normally arrives; a client still writing may see the connection cut first.
        assert.ok(result.status === 413 || result.error, JSON.stringify(result));
        assert.ok(result.written < cap / 4, `the server stopped reading after ${result.written} bytes`);
      });
      assert.deepEqual(left, []);
      assert.ok(bot.logs.events().some((e) => e.event === 'http.refused' && e.status === 413));
      assert.equal((await bot.send(as.teacher, 'hej')).length, 1, 'and keeps serving');
    });

    it('answers malformed JSON with 400 and no internals', async () => {
      const res = await fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type": "message", ',
      });
      assert.equal(res.status, 400);
      assert.doesNotMatch(await res.text(), /at \w+ \(|node_modules|\.ts:|SyntaxError/);
    });

    it('says on /readyz whether it is ready, and nothing about the municipality or the store', async () => {
      const ready = await fetch(`${bot.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
      // The database refuses (as during a failover): the answer still names no reason.
      const store = bot.services.store;
      const ping = store.ping;
      store.ping = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }));
      try {
        const down = await fetch(`${bot.url}/readyz`);
        assert.equal(down.status, 503);
        assert.deepEqual(await down.json(), { status: 'not ready' });
      } finally {
        store.ping = ping;
      }
      assert.ok(
        bot.logs.events().some((e) => e.event === 'ready.no'),
        'the reason is in the log',
      );
    });
  });
});
