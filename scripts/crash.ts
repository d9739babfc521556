/**
 * `npm run crash [kills]`: runs Värna as a child process and kills it with SIGKILL at random
 * moments (200 times by default) while a teacher submits reports and intake takes them, records
 * the protection assessment and decides (the invokes Teams sends from the channel card),
 * restarting it on the same store each time; then waits for the outbox and checks the invariants
 * listed in tests/support/crash.ts.
 */
import { spawnSync } from 'node:child_process';
import { crashTest } from '../tests/support/crash';

async function main(): Promise<void> {
  const kills = Number(process.argv[2] ?? 200);
  const started = Date.now();
  // The build that ships (npm run build): it also starts in a second where tsx needs several.
  console.log('building (npm run build)…');
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const result = await crashTest({ kills, checkDelivery: true, entry: 'dist/src/index.js', log: (line) => console.log(line) });
  console.log(
    `${result.kills} kills, ${result.receiptsSeen} receipts seen, ${result.reportsStored} reports stored, ${result.actionsSeen} intake answers seen, ${result.actionsStored} intake actions stored, ` +
      `${result.channelPosts} channel posts (${result.reconciled} settled over Graph after a kill), ${result.teacherMessages} messages to the teacher (${result.possibleRepeats} marked as possible repeats), ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (result.problems.length) {
    console.error(`FAILED: ${result.problems.length} problems`);
    for (const p of result.problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(
    'ok: every receipt and every intake answer seen is stored, none twice, nothing half-written, history, audit and feedback agree; each channel card exactly once; each 1:1 message at least once, any repeat marked',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
