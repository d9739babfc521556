import assert from 'node:assert/strict';
import fc from 'fast-check';
import { card, plain, userFacts, userText } from '../../src/cards/card';
import { checkCard } from '../support/cards';
import { assertInert, textRuns } from '../support/inert';
// The adaptivecards renderer's own text expansion ({{DATE(…)}}, {{TIME(…)}}), as TextRuns get it.
const { formatText } = require('adaptivecards/lib/text-formatters') as { formatText(lang: string | undefined, text: string): string };

/** What people type, and what an attacker types: markdown, links, HTML, templates, RTL, emoji. */
export const hostileTexts = [
  '**fet** _kursiv_ ~~struken~~ # Rubrik\n- punkt\n1. lista',
  '[Klicka här](https://evil.example.com/phish) och ![bild](https://evil.example.com/x.png)',
  'https://evil.example.com/ladda-ner www.evil.example.com',
  '<a href="https://evil.example.com">länk</a><script>alert(1)</script><img src=x onerror=alert(1)>',
  '<at>Rektor Ekbacken</at> &lt;b&gt; &amp;',
  '${reporter.name} ${if(true, "a", "b")} $root $data {{name}}',
  '{{DATE(2017-02-14T06:08:39Z, SHORT)}} {{TIME(2017-02-14T06:08:39Z)}}',
  'عزيزي المعلم، الطفل حزين جداً', // Arabic, right to left
  'שלום \u202Eevil.exe\u202C txt.gpj', // a right-to-left override hiding a file name
  '\u2066isolerad\u2069 och \u202Binbäddad\u202C',
  'Elev 👧🏽 sa 😢 och 👨‍👩‍👧‍👦 – "mamma slår" ✋',
  'NUL\u0000 BEL\u0007 ESC\u001b[31m röd',
  '\\*escaped\\* `kod` ```block```',
  '{"type":"Action.OpenUrl","url":"https://evil.example.com"}',
];

const DATE_PATTERN = /\{\{(DATE|TIME)\(/;

describe('free text in cards is inert: no markup, links, templates or bidi tricks', () => {
  it('puts every hostile example in a plain TextRun, readable as typed', () => {
    for (const value of hostileTexts) {
      const c = checkCard(card([userText(value, { label: 'Vad hände' }), userFacts([['Namn', value]])]));
      assertInert(c, [value]);
      for (const run of textRuns(c).filter((r) => !r.endsWith(': '))) {
        // What the reader sees is what was typed, less invisible control characters.
        assert.equal(run.replace(/\u200B/g, ''), value.replace(/[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g, ''));
        assert.equal(formatText('sv-SE', run), run, 'the renderer expands nothing');
      }
    }
  });

  it('keeps emoji and right-to-left script intact', () => {
    assert.equal(plain('Elev 👧🏽 sa 😢 👨‍👩‍👧‍👦'), 'Elev 👧🏽 sa 😢 👨‍👩‍👧‍👦');
    assert.equal(plain('عزيزي المعلم'), 'عزيزي المعلم');
  });

  it('holds for any text (property-based, 2,000 cases)', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constantFrom(
        '{{',
        '}}',
        '${',
        '}',
        '$',
        '{',
        'DATE(2017-02-14T06:08:39Z)',
        'TIME(2017-02-14T06:08:39Z)',
        '[x](https://e.x)',
        '<b>',
        '**',
        '\u202E',
        '\u2066',
        '\u0000',
        '\n',
        '\r\n',
        '👧🏽',
        'ש',
      ),
    );
    const textArb = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        const c = card([
          userText(a, { label: 'Vad hände' }),
          userFacts([
            ['Namn', b],
            ['Klass', a],
          ]),
        ]);
        assertInert(c, [a, b]);
        for (const run of textRuns(c)) {
          assert.doesNotMatch(run, DATE_PATTERN);
          assert.equal(formatText('sv-SE', run), run);
        }
        const elements = (c.body as Array<{ type: string }>).map((e) => e.type);
        assert.deepEqual(elements, ['RichTextBlock', 'Container']);
      }),
      { numRuns: 2000 },
    );
  });

  it('passes the shared card check with any text (500 cases)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        checkCard(card([userText(value), userFacts([['Namn', value]])]));
      }),
      { numRuns: 500 },
    );
  });
});
