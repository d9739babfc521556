/**
 * `npm run fuzz [cases] [seed]`: property-based fuzzing of the bot over HTTP (10,000 cases by
 * default). A failure prints the seed and the shrunk counterexample; rerun with that seed.
 */
import { allLogLines, findForbidden } from '../tests/support/logs';
import { fuzzBot } from '../tests/support/fuzz';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 10_000);
  const seed = process.argv[3] !== undefined ? Number(process.argv[3]) : Date.now() % 2 ** 31;
  const started = Date.now();
  console.log(`fuzzing ${runs} cases, seed ${seed}`);
  await fuzzBot(runs, seed);
  const hits = findForbidden(allLogLines);
  if (hits.length) throw new Error(`personal data in logs: "${hits[0]!.value}" in ${hits[0]!.line}`);
  console.log(
    `ok: ${runs} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; ${allLogLines.length} log lines free of the planted personal data`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
