import assert from 'node:assert/strict';
import { checkPersonnummer, normalizePnr, pageOf, pageSteps, steps, validateStep } from '../../src/services/reports/model';

describe('the guardians step (guidance, not a provision)', () => {
  const ctx = { at: new Date('2026-03-02T09:00:00+01:00'), knownSchool: () => true };
  it('asks no reason when the guardians are not told: "Inte än – anmälan går före", or "av annat skäl" with the reason left empty', () => {
    for (const informed of ['notYet', 'noOther', 'noSensitive', 'yes']) {
      const result = validateStep('guardians', { guardians: 'Gustav Vårdnadshavare', informed, notInformedReason: '' }, ctx);
      assert.ok(result.ok, `${informed}: ${JSON.stringify(!result.ok && result.errors)}`);
    }
    assert.equal(validateStep('guardians', { guardians: 'G', informed: 'maybe' }, ctx).ok, false);
  });
});

describe('the personnummer as teachers type it', () => {
  const at = new Date('2026-03-02T09:00:00+01:00');
  it('reads a space where the hyphen goes as the hyphen, and leaves other forms as they are', () => {
    assert.equal(normalizePnr('20150714 9803'), '20150714-9803');
    assert.equal(normalizePnr('150714 9803'), '150714-9803');
    assert.equal(normalizePnr(' 20150714 - 9803 '), '20150714-9803');
    assert.equal(normalizePnr('20150714-9803'), '20150714-9803');
    assert.equal(normalizePnr('2015 0714 9803'), '2015 0714 9803', 'only the separator');
    for (const typed of ['20150714 9803', '20150714-9803', '201507149803', '150714-9803', '150714 9803'])
      assert.ok(checkPersonnummer(typed, at).ok, typed);
    assert.equal(checkPersonnummer('20150714 9804', at).ok, false, 'the checksum still counts');
  });
});

describe("the form's three cards", () => {
  it('puts every step on one card, acute danger on the first, and drafts from before on the card that holds their step', () => {
    assert.deepEqual(steps.map(pageOf), ['childPage', 'childPage', 'concernPage', 'concernPage', 'sendPage', 'sendPage']);
    assert.equal(pageOf('review'), 'sendPage');
    assert.equal(pageSteps.childPage[0], 'acute');
  });
});
