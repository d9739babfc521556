/**
 * `npm run crash [kills]`: runs Värna as a child process and kills it with SIGKILL at random
 * moments (200 times by default) while a teacher submits reports, restarting it on the same store
 * each time; then waits for the outbox and checks that every report whose receipt was shown is
 * stored whole, none twice, and that each reached the intake channel exactly once.
 */
import { crashTest } from '../tests/support/crash';

async function main(): Promise<void> {
  const kills = Number(process.argv[2] ?? 200);
  const started = Date.now();
  const result = await crashTest({ kills, checkDelivery: true, log: (line) => console.log(line) });
  console.log(
    `${result.kills} kills, ${result.receiptsSeen} receipts seen, ${result.reportsStored} reports stored, ${result.channelPosts} channel posts, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (result.problems.length) {
    console.error(`FAILED: ${result.problems.length} problems`);
    for (const p of result.problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log('ok: every receipt stored, no duplicates, no half-written records, each report in the channel exactly once');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
