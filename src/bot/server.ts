import type { IncomingMessage } from 'node:http';
import type { VarnaAdapter } from './adapter';
import type { TurnContext } from 'botbuilder';
import restify from 'restify';
import type { Logger } from '../log';
import type { Services } from '../services';
import { NAME, token } from './turn';

export interface ServerOptions {
  adapter: VarnaAdapter;
  run: (ctx: TurnContext) => Promise<boolean>;
  s: Services;
  log: Logger;
  maxBodyBytes: number;
  /** Requests that take longer are answered 503 (invokes must answer within 5 s in Teams). */
  requestTimeoutMs?: number;
  /** With bot credentials: a request without a Bearer token is refused before its body is read. */
  requireToken?: boolean;
}

const isActivity = (body: unknown): body is { type: string } =>
  !!body && typeof body === 'object' && !Array.isArray(body) && typeof (body as { type?: unknown }).type === 'string';

/** How long /readyz waits for the store's answer. */
const READY_WAIT_MS = 3_000;

type Read = { ok: true; body: unknown } | { ok: false; status: 400 | 413 | 415; error: string };

/**
 * Reads a JSON body into memory, and nothing else: no other media type, no content encoding, no
 * temporary file. The byte limit is enforced from Content-Length before anything is read and again
 * while the stream is read, so an oversize body (chunked, without a length) is cut off at the limit,
 * not read to its end and then refused.
 */
function readJson(req: IncomingMessage, maxBytes: number): Promise<Read> {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (type !== 'application/json' || encoding !== 'identity')
    return Promise.resolve({ ok: false, status: 415, error: 'application/json expected' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.resolve({ ok: false, status: 413, error: 'body too large' });
  return new Promise<Read>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Read) => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return done({ ok: false, status: 413, error: 'body too large' });
      chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        done({ ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      } catch {
        done({ ok: false, status: 400, error: 'malformed JSON' });
      }
    };
    const onError = () => done({ ok: false, status: 400, error: 'body not read' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * The HTTP front: /api/messages for the Bot Framework, /healthz (process up), /readyz (store
 * reachable, config loaded). Authentication failures are 401 whatever botbuilder throws; a body
 * that is not JSON is 415, one over the limit 413, a malformed one 400; an internal error is 500
 * without internals. No body parser plugin: nothing a request sends is written to disk.
 */
export function createServer({
  adapter,
  run,
  s,
  log,
  maxBodyBytes,
  requestTimeoutMs = 15_000,
  requireToken = false,
}: ServerOptions): restify.Server {
  const server = restify.createServer({ name: 'varna', handleUncaughtExceptions: false });

  server.post('/api/messages', async (req, res) => {
    const auth = String(req.headers.authorization ?? '');
    // Refused before a byte of the body is read: without a token there is nothing to check it with.
    if (requireToken && !/^Bearer \S/.test(auth)) {
      log.warn({ event: 'auth.refused', why: 'no bearer token' }, 'activity refused: no token');
      res.setHeader('Connection', 'close');
      res.send(401, { error: 'unauthorized' });
      return;
    }
    const read = await readJson(req, maxBodyBytes);
    if (!read.ok) {
      log.warn({ event: 'http.refused', status: read.status }, 'request body refused');
      // The rest of a refused body is not read: the connection closes after the answer.
      res.setHeader('Connection', 'close');
      res.send(read.status, { error: read.error });
      return;
    }
    const body = read.body;
    if (!isActivity(body)) {
      res.send(400, { error: 'an activity (JSON object with a type) is expected' });
      return;
    }
    let logicStarted = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log.error({ event: 'http.timeout', type: token(body.type, NAME) }, 'turn took too long');
      if (!res.headersSent) res.send(503, { error: 'timeout' });
    }, requestTimeoutMs);
    try {
      const invokeResponse = await adapter.handle(auth, body as never, async (ctx) => {
        logicStarted = true;
        await run(ctx);
      });
      if (timedOut || res.headersSent) return;
      if (invokeResponse) res.send(invokeResponse.status, invokeResponse.body);
      else res.send(200);
    } catch (error) {
      if (timedOut || res.headersSent) return;
      if (!logicStarted) {
        // Before our logic ran, every failure is the token's: unsigned, forged, expired, not yet
        // valid, wrong audience or issuer. botbuilder would answer some of these with 500.
        log.warn({ event: 'auth.refused', err: error }, 'activity refused: authentication failed');
        res.send(401, { error: 'unauthorized' });
      } else {
        log.error({ event: 'http.error', err: error }, 'turn failed');
        res.send(500, { error: 'internal error' });
      }
    } finally {
      clearTimeout(timer);
    }
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });

  // A database that does not answer (packets dropped during a failover) must not hold the probe:
  // after READY_WAIT_MS it is "not ready" like one that refuses.
  server.get('/readyz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), READY_WAIT_MS)));
    try {
      // Ready or not, and nothing else: the probe is public (which store, which municipality and
      // why it is not ready are for the log, not for whoever asks).
      if ((await Promise.race([s.health(), waited])) === 'timeout') {
        log.warn({ event: 'ready.no', why: 'store not answering' }, 'not ready');
        res.send(503, { status: 'not ready' });
      } else res.send(200, { status: 'ready' });
    } catch (error) {
      log.warn({ event: 'ready.no', why: 'store unreachable', err: error }, 'not ready');
      res.send(503, { status: 'not ready' });
    } finally {
      clearTimeout(timer);
    }
  });

  server.on('restifyError', (req, res, err: { statusCode?: number; name?: string }, next: () => void) => {
    log.warn(
      { event: 'http.refused', status: err.statusCode, type: err.name, path: token(req.path(), /^\/[\w/.-]{0,64}$/) },
      'request refused',
    );
    next();
  });
  return server;
}
