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
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 });
    const line = logged({ err: error });
    assert.deepEqual({ type: line.err.type, code: line.err.code, syscall: line.err.syscall, message: line.err.message }, { type: 'Error', code: 'ECONNREFUSED', syscall: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:5432' });
  });

  it('reduces an error under any key, and a plain object under err to its type and code', () => {
    const nested = logged({ cause: { error: new TypeError(`${child} is not a function`) } });
    assert.equal(nested.cause.error.type, 'TypeError');
    assert.ok(!JSON.stringify(nested).includes('Hemligsson'));
    const plain = logged({ err: { code: 'X1', message: text, name: child } });
    assert.deepEqual(plain.err, { type: 'object', code: 'X1' });
  });
});
