import { fuzzBot } from '../support/fuzz';

/**
 * Property-based fuzzing of activities and card payloads over HTTP: a sample here, 10,000 cases in
 * `npm run fuzz`. For any input: no crash, no 5xx, no internals in an answer, every card valid and
 * free of user markup, a person who wrote gets an answer, the store stays consistent, and nothing
 * typed reaches a log line.
 */
describe('fuzzing: hostile and broken activities', () => {
  it('survives 200 random activities and card payloads with the invariants intact', async function () {
    this.timeout(120_000);
    await fuzzBot(200);
  });
});
