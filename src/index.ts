import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { createAdapter, type CredentialsFactory } from './bot/adapter';
import { createApp } from './bot/app';
import { registerExports } from './bot/routes/export';
import { registerStatisticsExports } from './bot/routes/statistics-export';
import { makeDownloadGuard } from './bot/download-guard';
import type { BotKit } from './bot/kit';
import { createServer } from './bot/server';
import { ConfigError, loadConfig, type Config } from './config';
import { loadKeyring } from './keys';
import { createLogger, type Logger } from './log';
import { systemClock, type Clock } from './services/clock';
import { makeCipher, type Keyring } from './services/crypto';
import { KeyCheckError, makeKeyRotation } from './services/key-rotation';
import { makeServices, type Services } from './services';
import { serveBackups } from './services/backup';
import { StoreLockedError } from './services/store/db';
import { NewerDatabaseError, openStore } from './services/store';

export interface StartOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  logDestination?: DestinationStream;
  keyring?: Keyring;
  /** Run the outbox loop (production); tests may drain it by hand instead. */
  deliverInBackground?: boolean;
  /** Outbound credentials for the Bot Connector (tests sign their own; production asks Entra). */
  credentialsFactory?: CredentialsFactory;
}

export interface Running {
  url: string;
  port: number;
  services: Services;
  /** The Teams app (routes, delivery renderers), e.g. for test-only renderers. */
  kit: BotKit;
  log: Logger;
  stop(): Promise<void>;
}

/** Wiring: config -> store -> services -> app -> server. */
export async function startVarna(opts: StartOptions): Promise<Running> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.env.LOG_LEVEL, opts.logDestination);
  const clock = opts.clock ?? systemClock;
  if (config.localMode) {
    log.warn(
      { event: 'auth.local-mode' },
      'LOCAL MODE: no bot credentials (BOT_APP_ID); activities are NOT authenticated. For the Agents Playground and tests only.',
    );
  }
  const store = await openStore(config.env.VARNA_STORE_URL, {
    onConnectionLost: (err) =>
      log.warn({ event: 'store.connection-lost', err }, 'the database closed a connection; the next query opens a new one'),
  });
  const cipher = makeCipher(opts.keyring ?? loadKeyring(config, log));
  // A key that is not the one its id stood for, or a key the data needs and the configuration
  // lacks, stops the start here, before anything is served (main: one line, exit code 2).
  const rotation = makeKeyRotation({ store, cipher, clock, log });
  try {
    await rotation.verify();
    const keys = await rotation.status();
    if (keys.dataPending || keys.indexPending)
      log.info(
        { event: 'keys.rotation.pending', dataLeft: keys.dataPending, indexLeft: keys.indexPending },
        'records under an older key: rewrapped and rehashed in the background (or npm run keys:rotate)',
      );
    if (keys.removable.data.length || keys.removable.index.length)
      log.info(
        { event: 'keys.old-unneeded', dataKeys: keys.removable.data.join(',') || null, indexKeys: keys.removable.index.join(',') || null },
        'configured old keys no record needs any more: they can be removed',
      );
  } catch (error) {
    await store.close();
    throw error;
  }
  const services = makeServices({ config, store, clock, log, cipher });
  const adapter = createAdapter(config, opts.credentialsFactory ? { credentialsFactory: opts.credentialsFactory } : {});
  const kit = createApp(adapter, config, services, log, () => port);
  const server = createServer({
    adapter,
    run: (ctx) => kit.run(ctx),
    s: services,
    log,
    maxBodyBytes: config.env.VARNA_MAX_BODY_BYTES,
    requireToken: !config.localMode,
  });
  await new Promise<void>((resolve) => server.listen(config.env.PORT, '0.0.0.0', resolve));
  const port = (server.address() as AddressInfo).port;
  const downloads = makeDownloadGuard(services, log);
  registerExports(server, kit, downloads);
  registerStatisticsExports(server, kit, downloads);
  // SQLite: `npm run backup` asks this process for the copy (it holds the file's lock).
  const backups = await serveBackups(store, log);
  if (opts.deliverInBackground ?? true) {
    services.outbox.start();
    services.jobs.start();
    services.statistics.warm();
    await services.coordinator?.start();
    await checkpoint(services, log, 'start');
  }
  log.info({ event: 'started', port, store: store.dialect, municipality: config.municipality.municipality.name }, 'Värna is listening');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    services,
    kit,
    log,
    async stop() {
      services.statistics.stop();
      await services.coordinator?.stop();
      await services.jobs.stop();
      await services.outbox.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => (backups ? backups.close(() => resolve()) : resolve()));
      await downloads.flush();
      if (opts.deliverInBackground ?? true) await checkpoint(services, log, 'shutdown');
      await store.close();
    },
  };
}

/** An audit checkpoint at start and at shutdown (issue 20 §3); a failure is logged, and the next one comes in a few minutes. */
async function checkpoint(services: Services, log: Logger, reason: 'start' | 'shutdown'): Promise<void> {
  try {
    await services.auditCheckpoints.write(reason);
  } catch (error) {
    log.error({ event: 'audit.checkpoint.failed', reason, err: error }, 'audit checkpoint failed');
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  let running: Running;
  try {
    running = await startVarna({ config });
  } catch (error) {
    if (error instanceof StoreLockedError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(3);
    }
    if (error instanceof KeyCheckError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(2);
    }
    if (error instanceof NewerDatabaseError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(4);
    }
    console.error(`Cannot start: ${(error as Error).name}: ${(error as Error).message}`);
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    running.log.info({ event: 'stopping', signal }, 'stopping');
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // An error nobody handled is a bug. Node would print it whole to stderr, message and all (and a
  // message can quote what a user typed); it is logged like every error instead (class, code,
  // stack frames), and the process ends so that the platform starts it again in a known state.
  const fatal = (kind: string) => (error: unknown) => {
    running.log.fatal({ event: 'process.fatal', kind, err: error }, 'unexpected error; stopping so that Värna is restarted');
    process.exit(1);
  };
  process.on('uncaughtException', fatal('uncaughtException'));
  process.on('unhandledRejection', fatal('unhandledRejection'));
}

if (require.main === module) void main();
