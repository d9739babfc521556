import assert from 'node:assert/strict';
import { addMessage, cleanText, closeWith, restoreHit } from '../../src/services/consultation/transitions';
import type { ReviewState } from '../../src/services/consultation/types';
import { ConflictError, ValidationError } from '../../src/services/errors';
import type { Consultation } from '../../src/services/store/consultations';

const asked = new Date('2026-03-02T09:00:00+01:00');
const later = new Date('2026-03-02T10:30:00+01:00');
const open: Consultation = {
  id: 'c1',
  number: 107,
  submissionKey: 's',
  teacherKey: 't',
  teacherLocale: 'sv',
  unitId: 'u',
  schoolId: 'ekbacken',
  districtId: 'norr',
  schoolType: 'municipal',
  schoolShown: false,
  status: 'open',
  createdAt: asked,
  ledToReport: false,
  messages: 0,
  version: 1,
  updatedAt: asked,
};

describe("a consultation's state changes", () => {
  it("remembers intake's first answer, not the teacher's reply or a later answer, as the time to answer", () => {
    const replied = addMessage(open, 'teacher', asked);
    assert.equal(replied.firstAnswerAt, undefined, "a teacher's reply is not an answer");
    const answered = addMessage(replied, 'intake', later);
    assert.equal(answered.firstAnswerAt, later);
    assert.equal(answered.messages, 2);
    assert.equal(answered.version, 3, 'each change moves the version the store checks');
    const again = addMessage(answered, 'intake', new Date('2026-03-03T08:00:00+01:00'));
    assert.equal(again.firstAnswerAt, later, 'the first answer stays the first');
    assert.equal(open.messages, 0, 'the consultation as read is not changed');
  });

  it('closes with the outcome and the time, and then takes neither a message nor a second close', () => {
    const closed = closeWith(addMessage(open, 'intake', asked), 'report', later);
    assert.deepEqual([closed.status, closed.outcome, closed.closedAt], ['closed', 'report', later]);
    assert.throws(
      () => addMessage(closed, 'teacher', later),
      (e: unknown) => e instanceof ConflictError && e.reason === 'consultation.closed',
    );
    assert.throws(
      () => closeWith(closed, 'otherSupport', later),
      (e: unknown) => e instanceof ConflictError && e.reason === 'consultation.closed',
    );
  });

  it('refuses a text too short or too long, and trims the rest', () => {
    assert.equal(cleanText('   Hur gör vi med det här?  ', 'text'), 'Hur gör vi med det här?');
    assert.throws(() => cleanText(' kort ', 'text'), ValidationError);
    assert.throws(() => cleanText('x'.repeat(2001), 'reply', 2000), ValidationError);
  });
});

describe('restoring a replaced word in a review', () => {
  const state: ReviewState = {
    for: { kind: 'reply', consultationId: 'c1' },
    text: 'Elin sa att Elin bor på Storgatan 3.',
    hits: [
      { kind: 'name', value: 'Elin', start: 0, end: 4 },
      { kind: 'name', value: 'Elin', start: 12, end: 16 },
      { kind: 'address', value: 'Storgatan 3', start: 24, end: 35 },
    ],
    restored: [],
    removed: 0,
    kept: [],
  };

  it('restores that one hit and remembers the word for the next check', () => {
    const next = restoreHit(state, 2, true);
    assert.deepEqual(next.restored, [2]);
    assert.deepEqual(next.kept, ['address:Storgatan 3']);
  });

  it('forgets the word when replaced again, unless the same word is still restored elsewhere', () => {
    const both = restoreHit(restoreHit(state, 1, true), 0, true);
    assert.deepEqual(both.restored, [0, 1]);
    const one = restoreHit(both, 0, false);
    assert.deepEqual(one.restored, [1]);
    assert.deepEqual(one.kept, ['name:Elin'], 'still restored at the second place');
    const none = restoreHit(one, 1, false);
    assert.deepEqual(none.restored, []);
    assert.deepEqual(none.kept, []);
  });

  it('refuses a hit the review does not have', () => {
    assert.throws(() => restoreHit(state, 3, true), ValidationError);
  });
});
