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
}

const isActivity = (body: unknown): body is { type: string } =>
  !!body && typeof body === 'object' && !Array.isArray(body) && typeof (body as { type?: unknown }).type === 'string';

/** How long /readyz waits for the store's answer. */
const READY_WAIT_MS = 3_000;

/**
 * The HTTP front: /api/messages for the Bot Framework, /healthz (process up), /readyz (store
 * reachable, config loaded). Authentication failures are 401 whatever botbuilder throws; a
 * malformed body is 400; an internal error is 500 without internals.
 */
export function createServer({ adapter, run, s, log, maxBodyBytes, requestTimeoutMs = 15_000 }: ServerOptions): restify.Server {
  const server = restify.createServer({ name: 'varna', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: maxBodyBytes, mapParams: false, mapFiles: false, rejectUnknown: true }));

  server.post('/api/messages', async (req, res) => {
    const body: unknown = req.body;
    if (!isActivity(body)) {
      res.send(400, { error: 'an activity (JSON object with a type) is expected' });
      return;
    }
    const auth = String(req.headers.authorization ?? '');
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
      if ((await Promise.race([s.store.ping(), waited])) === 'timeout') res.send(503, { status: 'store not answering' });
      else res.send(200, { status: 'ready', store: s.store.dialect, municipality: s.config.municipality.municipality.name });
    } catch {
      res.send(503, { status: 'store unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });

  server.on('restifyError', (req, res, err: { statusCode?: number; name?: string }, next: () => void) => {
    log.warn({ event: 'http.refused', status: err.statusCode, type: err.name, path: token(req.path(), /^\/[\w/.-]{0,64}$/) }, 'request refused');
    next();
  });
  return server;
}
