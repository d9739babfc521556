/**
 * `npm run config:check [file]` (in the image: `node dist/src/cli/config-check.js [file]`): checks a
 * municipality file with the very schema Värna loads it with, before it is deployed. Without a file
 * it checks VARNA_CONFIG (default config/example.yaml). Each problem is one line with its path in
 * the file (`intakeUnits[0].teamId: …`): unknown keys (a typo such as "draftdays"), a team or
 * channel id that is not a Teams thread id, a cron schedule that never fires (31 February), missing
 * or wrongly typed fields, references to districts, schools or units that do not exist.
 * Exit codes: 0 the file is valid, 1 it is not (or cannot be read).
 */
import { resolve } from 'node:path';
import { ConfigError, loadMunicipality } from '../config';

const say = (line: string) => void process.stdout.write(`${line}\n`);

export function configCheck(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const path = resolve(args.find((a) => !a.startsWith('-')) ?? env.VARNA_CONFIG ?? 'config/example.yaml');
  try {
    const m = loadMunicipality(path);
    say(
      `${path}: OK. ${m.municipality.name}: ${m.schools.length} skolor/schools, ${m.intakeUnits.length} mottagning(ar)/intake units, ${m.annualCycle.length} poster i årshjulet/annual cycle entries.`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const n = error.problems.length;
    say(
      `${path}: ${n} fel i kommunfilen, Värna startar inte med den / ${n} ${n === 1 ? 'problem' : 'problems'} in the municipality file, Värna will not start with it:`,
    );
    for (const problem of error.problems) say(`  - ${problem.startsWith(`${path}: `) ? problem.slice(path.length + 2) : problem}`);
    say('Rätta raderna ovan och kör igen / Fix the lines above and run again: npm run config:check ' + path);
    return 1;
  }
}

if (require.main === module) process.exitCode = configCheck(process.argv.slice(2));
