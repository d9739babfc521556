import assert from 'node:assert/strict';
import { createLogger } from '../../src/log';
import { LogCapture, forbid } from '../support/logs';

/** Errors in log lines: enough to find what failed and where, nothing a message or a driver quotes. */
describe('log lines about errors', () => {
  const child = 'Kalle Hemligsson';
  const text = 'Kalle berättade att pappan slår honom';
  forbid(child, text, 'Hemligsson', '20121212-1212');

  function logged(fields: Record<string, unknown>): Record<string, any> {
    const capture = new LogCapture();
    createLogger('info', capture).warn({ event: 'test.error', ...fields }, 'something failed');
    assert.equal(capture.lines.length, 1);
    return capture.events()[0]!;
  }

  it('keeps the class, the code and where it was thrown, not the message', () => {
    class ParseFailure extends Error {
      code = 'E_PARSE';
    }
    const line = logged({ err: new ParseFailure(`Unexpected token in "${text}" (${child}, 20121212-1212)`) });
    assert.equal(line.err.type, 'ParseFailure');
    assert.equal(line.err.code, 'E_PARSE');
    assert.ok(Array.isArray(line.err.at) && line.err.at.length > 0, 'stack frames');
    assert.match(line.err.at[0], /tests\/services\/log\.test\.ts:\d+:\d+/, 'frames relative to the working directory');
    assert.equal(line.err.message, undefined);
    const raw = JSON.stringify(line);
    for (const secret of [child, text, '20121212-1212']) assert.ok(!raw.includes(secret), `${secret} in ${raw}`);
  });

  it("drops a database driver's row values (its enumerable detail) and keeps its code", () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint "reports_child"'), {
      name: 'error',
      code: '23505',
      detail: `Key (child)=(${child}) already exists.`,
      severity: 'ERROR',
    });
    const line = logged({ err: error });
    assert.deepEqual(Object.keys(line.err).sort(), ['at', 'code', 'type']);
    assert.equal(line.err.code, '23505');
    assert.ok(!JSON.stringify(line).includes('Hemligsson'));
  });

  it("keeps a system error's message (what failed to connect), scrubbed", () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      errno: -111,
    });
    const line = logged({ err: error });
    assert.deepEqual(
      { type: line.err.type, code: line.err.code, syscall: line.err.syscall, message: line.err.message },
      { type: 'Error', code: 'ECONNREFUSED', syscall: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
    );
  });

  it('reduces an error under any key, and a plain object under err to its type and code', () => {
    const nested = logged({ cause: { error: new TypeError(`${child} is not a function`) } });
    assert.equal(nested.cause.error.type, 'TypeError');
    assert.ok(!JSON.stringify(nested).includes('Hemligsson'));
    const plain = logged({ err: { code: 'X1', message: text, name: child } });
    assert.deepEqual(plain.err, { type: 'object', code: 'X1' });
  });
});

/**
 * The scrubber removes personal data from every string, and only that: the ids an operator needs
 * to find a conversation, a team or a user (Teams thread ids, user and bot ids, Entra GUIDs) stay.
 * An installation logged its team as `19:[email]`.
 */
describe('log lines keep ids and lose personal data', () => {
  forbid(
    'anna.andersson@skola.exempel.se',
    '070-123 45 67',
    '08-123 456 78',
    '+46 70 123 45 67',
    '20121212-1212',
    '201212121212',
    '121212-1212',
  );

  function logged(fields: Record<string, unknown>, message = 'something happened'): Record<string, any> {
    const capture = new LogCapture();
    createLogger('info', capture).info({ event: 'test.ids', ...fields }, message);
    return capture.events()[0]!;
  }

  const ids = {
    team: '19:exempel-ifo-team@thread.tacv2',
    channel: '19:a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5@thread.tacv2',
    skypeThread: '19:3f5c0e6d1b0a4c2e9f7d8b6a5c4e3d2f@thread.skype',
    groupChat: '19:meeting_NzA0ZTk0ODAtYjVhZS00@thread.v2',
    oneToOne: '19:6f1c2a10-0000-4000-8000-000000000101_00000000-0000-0000-0000-00000000b07a@unq.gbl.spaces',
    user: '29:1ZK6eYhmXz0Qv8xSbU-3kT_9a2wq7LfHd4NcPgR',
    bot: '28:00000000-0000-0000-0000-00000000b07a',
    orgid: '8:orgid:6f1c2a10-0000-4000-8000-000000000101',
    aad: '6f1c2a10-0000-4000-8000-000000000101',
    allDigits: '00000000-0000-4000-8000-000000000001',
  };

  it('keeps Teams thread ids, user and bot ids and GUIDs as they are, in fields and in the message', () => {
    const line = logged(
      { ...ids, nested: { conversation: ids.team, members: [ids.user, ids.aad] } },
      `posted to ${ids.channel} for ${ids.user}`,
    );
    for (const [key, id] of Object.entries(ids)) assert.equal(line[key], id, key);
    assert.deepEqual(line.nested, { conversation: ids.team, members: [ids.user, ids.aad] });
    assert.equal(line.msg, `posted to ${ids.channel} for ${ids.user}`);
  });

  it('removes e-mail addresses, personnummer and phone numbers, also next to an id', () => {
    const line = logged({
      email: 'anna.andersson@skola.exempel.se',
      pnr: ['20121212-1212', '201212121212', '121212-1212'],
      phone: ['070-123 45 67', '08-123 456 78', '+46 70 123 45 67'],
      mixed: `${ids.team} anna.andersson@skola.exempel.se 070-123 45 67`,
    });
    assert.equal(line.email, '[email]');
    assert.deepEqual(line.pnr, ['[pnr]', '[pnr]', '[pnr]']);
    assert.deepEqual(line.phone, ['[phone]', '[phone]', '[phone]']);
    assert.equal(line.mixed, `${ids.team} [email] [phone]`);
  });

  it('does not let an id prefix carry an e-mail address or a personnummer through', () => {
    const line = logged({
      a: '29:anna.andersson@skola.exempel.se',
      b: '29:20121212-1212',
      c: '28:201212121212',
      d: '19:anna.andersson@skola.exempel.se',
    });
    for (const key of ['a', 'b', 'c', 'd']) {
      for (const secret of ['anna', 'andersson', '20121212', '1212'])
        assert.ok(!String(line[key]).includes(secret), `${key}: ${line[key]}`);
    }
  });
});
