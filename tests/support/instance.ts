/**
 * A real Värna process for the several-instances test (tests/instances/): the production entry
 * (`startVarna` with the environment's configuration, system clock, logs as JSON on stdout) plus
 * two test-only hooks: a renderer for `test.ping` messages, and (VARNA_TEST_REMINDERS=1) a reminder
 * run every 3 seconds that enqueues 10 reminders through the outbox, as the reminder service does.
 * Also the Värna of benchmark B3. Started with
 * `node -r tsx/cjs tests/support/instance.ts`.
 */
import { loadConfig } from '../../src/config';
import { startVarna, type Running } from '../../src/index';
import { makeKeyring } from '../../src/services/crypto';

export const REMINDER_USERS = 25;
export const REMINDERS_PER_RUN = 10;
export const userOf = (i: number) => `00000000-0000-4000-8000-${String(i % REMINDER_USERS).padStart(12, '0')}`;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // Background work starts only once the test's renderer and job are registered: the store already
  // holds the 500 messages, and a run that claimed them first found no renderer for `test.ping`,
  // marked a batch of 50 failed for good, and the survivor "never finished" (the stall of issue 12).
  const running = await startVarna({
    config,
    keyring: makeKeyring('test', Buffer.alloc(32, 7), [], Buffer.alloc(32, 9)),
    deliverInBackground: false,
  });
  const { services, kit } = running;
  kit.delivery.register('test.ping', async (message) => ({ text: `ping ${String(message.key)}` }));
  if (process.env.VARNA_TEST_REMINDERS === '1') registerReminderRun(running);
  services.outbox.start();
  services.jobs.start();
  await services.coordinator?.start();
  process.stdout.write(`${JSON.stringify({ event: 'test.ready', pid: process.pid, url: running.url })}\n`);
  const stop = () => void running.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
}

function registerReminderRun({ services }: Running): void {
  services.jobs.cron('test.reminder-run', '*/3 * * * * *', async (dueAt) => {
    await services.store.transaction(async (trx) => {
      for (let i = 0; i < REMINDERS_PER_RUN; i++) {
        const key = `reminder:${dueAt.toISOString()}:${i}`;
        await services.outbox.enqueue(
          trx,
          { dedupeKey: key, target: { kind: 'user', aadObjectId: userOf(i) }, message: { kind: 'test.ping', key } },
          services.clock.now(),
        );
      }
    });
    services.outbox.wake();
  });
  // The production tick is 30 s; ask for a jobs run every second here so the test is short.
  setInterval(() => services.coordinator?.poke('varna-jobs'), 1_000).unref();
}

if (require.main === module)
  void main().catch((error: Error) => {
    process.stderr.write(`Cannot start: ${error.name}: ${error.message}\n`);
    process.exit(error.name === 'StoreLockedError' ? 3 : 1);
  });
