import { allLogLines, findForbidden, forbid } from './logs';
import { as } from './users';

forbid(...Object.values(as).map((u) => u.name));

/**
 * Root hooks: after the whole suite, no log line may contain a name, personnummer or free text
 * from the tests' own data. Every test that starts a bot feeds this scan.
 */
export const mochaHooks = {
  afterAll(this: Mocha.Context): void {
    const hits = findForbidden(allLogLines);
    if (hits.length) {
      throw new Error(`personal data in logs (${hits.length} lines), e.g. "${hits[0]!.value}" in ${hits[0]!.line}`);
    }
    console.log(`  log scan: ${allLogLines.length} log lines checked for personal data, none found`);
  },
};
