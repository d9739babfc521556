import assert from 'node:assert/strict';
import { validateStep } from '../../src/services/report-model';

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
