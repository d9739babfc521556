import assert from 'node:assert/strict';
import { composeCard, teacherThreadCard, type ThreadView } from '../../src/cards/consultation';
import { dutyCard } from '../../src/cards/duty';
import { strings, type Strings } from '../../src/cards/i18n';
import { dutyTopics } from '../../src/cards/i18n/duty';
import { feedbackCard } from '../../src/cards/intake';
import { receiptCard, reportPageCard, reviewCard } from '../../src/cards/report';
import { pageOf, type Step } from '../../src/services/reports/model';
import { measures } from '../../src/services/statistics-export';
import { checkCard, inputsOf, textOf } from '../support/cards';

/**
 * What the law says, said right (issue 21): each text a lawyer signed, in Swedish and English,
 * read from the card the user gets. docs/legal.md lists them with their sources.
 */
const sv = strings('sv');
const en = strings('en');
const contacts = { intakeName: 'IFO-mottagningen', intakePhone: '0123-456 00', onCallPhone: '0123-456 99', open: true };
/** The card of the three that holds the step. */
const step = (s: Step, t: Strings, values: Record<string, string | boolean | undefined> = {}) => {
  const page = pageOf(s);
  return checkCard(
    page === 'sendPage'
      ? reviewCard({ draftId: 'd1', sections: [], guardiansWarning: false, values, errors: {} }, t)
      : reportPageCard({ draftId: 'd1', page, values, errors: {}, schools: [{ id: 'ekbacken', name: 'Ekbackens skola' }], contacts }, t),
  );
};
const duty = (topic: (typeof dutyTopics)[number], t: Strings) => textOf(checkCard(dutyCard({ topic, contacts }, t)));
const thread = (outcome: ThreadView['outcome']): ThreadView => ({
  id: 'c1',
  pseudonym: 'K-0001',
  origin: { kind: 'area', level: 'grundskola', districtName: 'Norra distriktet' },
  createdAt: new Date('2026-03-02T09:00:00Z'),
  question: 'Fråga',
  messages: [],
  open: false,
  outcome,
});

describe('what the law says, said right (cards)', () => {
  it('1. the duty is a duty: "du måste anmäla själv, också om rektor inte håller med"', () => {
    const reporter = textOf(step('reporter', sv));
    assert.match(reporter, /Anmälningsplikten är personlig: du måste anmäla själv, också om rektor inte håller med\./);
    assert.doesNotMatch(reporter, /du får anmäla/);
    assert.match(textOf(step('reporter', en)), /you must report yourself, also if the principal disagrees/);
    assert.match(duty('personal', sv), /men du måste anmäla själv, också om rektor inte håller med\./);
    assert.doesNotMatch(duty('personal', sv), /får alltid anmäla/);
    assert.match(duty('personal', en), /but you must report yourself, also if the principal disagrees/);
  });

  it('2. a professional who reports cannot be anonymous; the social services decide what can be kept secret', () => {
    for (const text of [textOf(step('reporter', sv)), duty('secrecy', sv)]) {
      assert.match(text, /Du som anmäler i ditt arbete kan inte vara anonym/);
      assert.match(text, /Det är socialtjänsten som avgör vad i anmälan som kan hållas hemligt/);
      assert.doesNotMatch(text, /skyddas bara om|annat än om det finns risk för våld/);
    }
    for (const text of [textOf(step('reporter', en)), duty('secrecy', en)]) {
      assert.match(text, /When you report in your job you cannot be anonymous/);
      assert.match(text, /The social services decide what in the report can be kept secret/);
      assert.doesNotMatch(text, /protected only if|unless there is a risk of violence/);
    }
    assert.match(duty('secrecy', sv), /Vägledning: Socialstyrelsen, Att anmäla oro för barn/);
  });

  it('3. guardians: guidance cited instead of provisions that say nothing about them; "not yet" offered, the reason optional; threats counted', () => {
    const topic = duty('guardians', sv);
    assert.doesNotMatch(topic, /Lagstöd|19 kap|20 kap/, 'neither 19:1 nor 20:1 says anything about guardians');
    assert.match(topic, /Vägledning: Skolverket, Skolans ansvar för barn som far illa; Socialstyrelsen, Att anmäla oro för barn/);
    assert.match(topic, /våld, hot, övergrepp eller hedersrelaterat våld och förtryck/);
    assert.match(topic, /Ingen lag kräver det, och anmälan väntar aldrig på det/);
    assert.match(topic, /Har vårdnadshavarna redan fått veta: säg det till mottagningen\./);
    assert.match(duty('guardians', en), /Guidance: Skolverket .*Skolans ansvar för barn som far illa/);
    assert.match(duty('guardians', en), /violence, threats, abuse or honour-related/);

    const card = step('guardians', sv);
    const informed = inputsOf(card).find((i) => i.id === 'informed')!;
    assert.deepEqual(
      informed.choices.map((c: { value: string }) => c.value),
      ['yes', 'noSensitive', 'notYet', 'noOther'],
    );
    assert.ok(informed.choices.some((c: { title: string }) => c.title === 'Inte än – anmälan går före'));
    const reason = inputsOf(card).find((i) => i.id === 'notInformedReason')!;
    assert.equal(reason.label, 'Varför inte? (frivilligt)');
    assert.notEqual(reason.isRequired, true);
    assert.match(textOf(card), /Gäller oron våld, hot, övergrepp eller hedersrelaterat våld och förtryck\?/);
    assert.ok(
      inputsOf(step('guardians', en))
        .find((i) => i.id === 'informed')!
        .choices.some((c: { title: string }) => c.title === 'Not yet – the report comes first'),
    );
    assert.match(textOf(step('concern', sv)), /Våld eller hot mot barnet/);

    const review = textOf(checkCard(reviewCard({ draftId: 'd1', sections: [], guardiansWarning: true, values: {}, errors: {} }, sv)));
    assert.match(review, /Har de redan fått veta: säg det till mottagningen/);
    assert.doesNotMatch(review, /om vårdnadshavarna inte redan fått veta/, 'it no longer contradicts the answer it warns about');
    assert.match(
      textOf(checkCard(reviewCard({ draftId: 'd1', sections: [], guardiansWarning: true, values: {}, errors: {} }, en))),
      /If they have already been told: say so to the intake unit/,
    );
  });

  it('4. consultation: advice does not lift the duty, on the card and with "Ingen anmälan nu"; "anonym för socialtjänsten" is not said', () => {
    const compose = textOf(checkCard(composeCard({ nonce: 'n', schools: [], showSchool: false }, sv)));
    assert.match(compose, /Misstänker du fortfarande att barnet far illa måste du anmäla/);
    for (const outcome of ['noReportNow', 'otherSupport'] as const) {
      const closed = textOf(checkCard(teacherThreadCard(thread(outcome), sv)));
      assert.match(closed, /Misstänker du fortfarande att barnet far illa måste du anmäla/);
      assert.match(
        textOf(checkCard(teacherThreadCard(thread(outcome), en))),
        /If you still suspect that the child is being harmed, you must report/,
      );
    }
    assert.match(textOf(checkCard(teacherThreadCard(thread('noReportNow'), sv))), /Utfall: Ingen anmälan nu/);
    const topic = duty('consultation', sv);
    assert.doesNotMatch(topic, /anonym för socialtjänsten/);
    assert.match(topic, /När du konsulterar i Värna ser mottagningen inte vem du är\./);
    assert.match(topic, /Misstänker du fortfarande att barnet far illa måste du anmäla\./);
    assert.doesNotMatch(duty('consultation', en), /anonymous to the social services/);
  });

  it('5. the receipt message cites no provision; decision feedback cites 19 kap. 6 § and OSL 26 kap. 9 a §', () => {
    for (const t of [sv, en]) {
      const received = textOf(
        checkCard(feedbackCard('VÄ-2026-00001', { kind: 'received', handlerName: 'Ingrid', handlerPhone: '0123-456 01' }, t)),
      );
      assert.doesNotMatch(received, /19 kap\. 6 §|ch\. 19 s\. 6|9 a/);
      const decided = textOf(checkCard(feedbackCard('VÄ-2026-00001', { kind: 'investigation', outcome: 'opened' }, t)));
      assert.match(decided, /19 kap\. 6 §|ch\. 19 s\. 6/);
      assert.match(decided, /26 kap\. 9 a §|ch\. 26 s\. 9 a/);
    }
  });

  it('6. feedback is promised "om det inte är olämpligt", and at once when an investigation is already ongoing or it is asked for later', () => {
    const wishes = textOf(step('wishes', sv));
    assert.match(
      wishes,
      /om det inte är olämpligt: inom en vecka från beslutet, och genast om en utredning redan pågår eller om du ber om det först efter beslutet/,
    );
    assert.match(
      textOf(step('wishes', en)),
      /unless that is inappropriate: within a week of the decision, and at once if an investigation is already ongoing or if you ask only after the decision/,
    );
    const base = { reference: 'VÄ-2026-00001', sentAt: new Date('2026-03-02T08:00:00Z'), unitName: 'IFO', already: false };
    const yes = textOf(checkCard(receiptCard({ ...base, feedbackWanted: true }, sv)));
    assert.match(yes, /om det inte är olämpligt får du veta här/);
    assert.match(yes, /genast om en utredning redan pågår/);
    assert.match(
      textOf(checkCard(receiptCard({ ...base, feedbackWanted: false }, sv))),
      /är beslutet redan fattat får du den då genast, om det inte är olämpligt/,
    );
    assert.match(textOf(checkCard(receiptCard({ ...base, feedbackWanted: true }, en))), /unless that is inappropriate you will hear here/);
    assert.match(duty('feedback', sv), /om det inte är olämpligt: inom en vecka från beslutet, och genast om en utredning redan pågår/);
  });

  it('7. the 19 kap. 5 § meeting is an anmälningsmöte in the statistics card texts and the exports', () => {
    assert.equal(sv.statistics.headline.jointMeetings, 'Erbjudna anmälningsmöten');
    assert.equal(measures.jointMeetings.title, 'Erbjudna anmälningsmöten');
    assert.match(measures.jointMeetings.definition, /19 kap\. 5 §/);
    assert.doesNotMatch(JSON.stringify([sv.statistics, measures]), /samverkansmöte|Samv\./i);
  });

  it("9. the receipt: assessment the same day or the next calendar day; outside office hours, read next working day and socialjouren's number", () => {
    const base = {
      reference: 'VÄ-2026-00001',
      sentAt: new Date('2026-03-06T19:00:00Z'),
      unitName: 'IFO',
      feedbackWanted: true,
      already: false,
    };
    const after = textOf(checkCard(receiptCard({ ...base, afterHours: { onCallPhone: '0123-456 99' } }, sv)));
    assert.match(after, /läses nästa arbetsdag – kan det inte vänta, ring socialjouren, 0123-456 99\./);
    assert.match(
      after,
      /samma dag som anmälan kommer in, eller dagen efter om den kommer in efter mottagningens kontorstid \(SoL \(2025:400\) 20 kap\. 1 §\)/,
    );
    assert.doesNotMatch(after, /nästa arbetsdag om den kommer/, 'the assessment is not moved to a working day');
    assert.match(
      textOf(checkCard(receiptCard({ ...base, afterHours: { onCallPhone: '0123-456 99' } }, en))),
      /read on the next working day – if it cannot wait, call the on-call social services \(socialjour\), 0123-456 99/,
    );
    assert.doesNotMatch(textOf(checkCard(receiptCard(base, sv))), /socialjouren/);
  });
});
