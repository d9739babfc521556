import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PLACEHOLDER, REMOVED, STRONG, checkText, placeTerms, replaceFlagged, type PiiKind } from '../../src/services/pii';

/**
 * The identifying-details guard, table-driven. Personnummer are Skatteverket's published test
 * numbers (the samordningsnummer has a failing check digit on purpose), phone numbers are from the
 * ranges PTS reserves for fiction, e-mail domains are example domains.
 */
type Expect = Array<[PiiKind, string]>;
const cases: Array<[text: string, expected: Expect]> = [
  // Personnummer in all common forms, and a samordningsnummer.
  ['Eleven har personnummer 201212121212 enligt mentor.', [['personnummer', '201212121212']]],
  ['Pnr 20121212-1212 stod på lappen.', [['personnummer', '20121212-1212']]],
  ['Barnet, 121212-1212, har varit borta mycket.', [['personnummer', '121212-1212']]],
  ['Personnumret är 1212121212.', [['personnummer', '1212121212']]],
  ['Hen är född 19121212-1212 enligt papperen.', [['personnummer', '19121212-1212']]],
  ['Storasyskonet 191212121212 går på högstadiet.', [['personnummer', '191212121212']]],
  ['Den äldre släktingen har 121212+1212.', [['personnummer', '121212+1212']]],
  ['Numret 121212 1212 stod i ansökan.', [['personnummer', '121212 1212']]],
  ['Samordningsnummer 121272-1212 enligt Migrationsverket.', [['personnummer', '121272-1212']]],
  ['Skrev 20121212 - 1212 i formuläret.', [['personnummer', '20121212 - 1212']]],
  // Phone numbers.
  ['Mamman ringde från 070-174 06 50 i morse.', [['phone', '070-174 06 50']]],
  ['Ring pappan på 0701740650 efter tre.', [['phone', '0701740650']]],
  ['Hennes nummer är +46 70 174 06 51.', [['phone', '+46 70 174 06 51']]],
  ['Hemtelefon 031-390 06 00, ingen svarar.', [['phone', '031-390 06 00']]],
  ['Mormor har 08-465 004 12.', [['phone', '08-465 004 12']]],
  ['Sms från 0046701740652 kom under lektionen.', [['phone', '0046701740652']]],
  ['Ring 040-628 04 10 om det behövs.', [['phone', '040-628 04 10']]],
  ['Ring (070) 174 06 54 om hen inte kommer.', [['phone', '(070) 174 06 54']]],
  ['Pappan har ett engelskt nummer, +44 20 7946 0958.', [['phone', '+44 20 7946 0958']]],
  ['Kontonumret 123456789012 stod på lappen.', [['number', '123456789012']]],
  // E-mail addresses.
  ['Pappan mejlade från pappa.familjen@example.com igår.', [['email', 'pappa.familjen@example.com']]],
  ['Eleven skrev från elev123@skola.exempel.se.', [['email', 'elev123@skola.exempel.se']]],
  ['Kontakt: för-namn.efter_namn+x@exempel.se', [['email', 'för-namn.efter_namn+x@exempel.se']]],
  ['Mejla mamman på mamma.x(at)example.com i stället.', [['email', 'mamma.x(at)example.com']]],
  ['Adressen var anna [at] example [dot] com enligt lappen.', [['email', 'anna [at] example [dot] com']]],
  // Street addresses and postal codes.
  ['Familjen bor på Storgatan 12 sedan i höstas.', [['address', 'Storgatan 12']]],
  ['De har flyttat till Ekbacksvägen 4B.', [['address', 'Ekbacksvägen 4B']]],
  ['Adressen är Lilla Nygatan 5 A, tredje våningen.', [['address', 'Lilla Nygatan 5 A']]],
  ['Hen hänger ofta vid Björkallén.', [['address', 'Björkallén']]],
  ['Postadressen är 123 45 Exemplinge.', [['postalCode', '123 45']]],
  ['De bor numera på storgatan 12 med mormor.', [['address', 'storgatan 12']]],
  [
    'Adressen är Storgatan 12, 123 45 Exemplinge.',
    [
      ['address', 'Storgatan 12'],
      ['postalCode', '123 45'],
    ],
  ],
  ['Postnummer 12345 stod på kuvertet.', [['postalCode', '12345']]],
  ['Bor vid Kyrkbacken 3 med mormor.', [['address', 'Kyrkbacken 3']]],
  // Names: first names, surnames, possessives, at and after the start of a sentence.
  ['Kalle har blåmärken på armarna igen.', [['name', 'Kalle']]],
  ['Jag pratade med Emma om det hon berättat.', [['name', 'Emma']]],
  [
    'Eleven Kalle Hemligsson kom utan jacka.',
    [
      ['name', 'Kalle'],
      ['name', 'Hemligsson'],
    ],
  ],
  ['Hennes bror Oscar hämtar henne ibland.', [['name', 'Oscar']]],
  ['Familjen Andersson har fått besök av polisen.', [['name', 'Andersson']]],
  ['Hon sa att Ahmeds pappa slår.', [['name', 'Ahmeds']]],
  [
    'Mamman, Anna Svensson, verkade berusad.',
    [
      ['name', 'Anna'],
      ['name', 'Svensson'],
    ],
  ],
  ['Enligt Sara i klassen har hen sovit ute.', [['name', 'Sara']]],
  [
    'Lill-Kalle och Maja leker inte längre med hen.',
    [
      ['name', 'Lill-Kalle'],
      ['name', 'Maja'],
    ],
  ],
  ['Vi har pratat med Lindqvist, hens styvpappa.', [['name', 'Lindqvist']]],
  ['Det var Stig som hämtade, inte mamman.', [['name', 'Stig']]],
  ['Mia-Lotta berättade att hon inte vågar gå hem.', [['name', 'Mia-Lotta']]],
  ['Det stod KALLE på lappen i hans ficka.', [['name', 'KALLE']]],
  // Careless typing: lower case, Swedish letters or none, possessives, names that are also words.
  [
    'ahmed hassan i 4b sa att mamma fatima slår.',
    [
      ['name', 'ahmed'],
      ['name', 'hassan'],
      ['name', 'fatima'],
    ],
  ],
  ['Hon sa att ahmeds pappa slår.', [['name', 'ahmeds']]],
  [
    'Jag pratade med Åsa och Örjan om Märtas mående.',
    [
      ['name', 'Åsa'],
      ['name', 'Örjan'],
      ['name', 'Märtas'],
    ],
  ],
  [
    'Det är Bjorn och Goran som aldrig hämtar i tid.',
    [
      ['name', 'Bjorn'],
      ['name', 'Goran'],
    ],
  ],
  ['Ask kom inte i dag. Jag pratade med Ask i går.', [['name', 'Ask']]],
  [
    'Ask Hassan kom inte till skolan.',
    [
      ['name', 'Ask'],
      ['name', 'Hassan'],
    ],
  ],
  [
    'Elin Testbarn kom inte till skolan i dag.',
    [
      ['name', 'Elin'],
      ['name', 'Testbarn'],
    ],
  ],
  [
    'Hen berättade det för Per och Klara på rasten.',
    [
      ['name', 'Per'],
      ['name', 'Klara'],
    ],
  ],
  // Mixed texts.
  [
    'Emil (121212-1212) bor på Storgatan 12, mamma nås på 070-174 06 53.',
    [
      ['name', 'Emil'],
      ['personnummer', '121212-1212'],
      ['address', 'Storgatan 12'],
      ['phone', '070-174 06 53'],
    ],
  ],
  [
    'Ring Johansson på 08-465 004 55 eller mejla a.b@example.org.',
    [
      ['name', 'Johansson'],
      ['phone', '08-465 004 55'],
      ['email', 'a.b@example.org'],
    ],
  ],
  // Look-alikes that must NOT be flagged: dates, class names, times, amounts, rooms, counts.
  ['Det hände 2026-03-02 på rasten.', []],
  ['Sedan 2/3 har hen varit frånvarande varje måndag.', []],
  ['Eleven går i 7B och har bytt klass en gång.', []],
  ['Hen går i åk 4 och är ofta trött.', []],
  ['Mötet var kl. 08:15 och hen kom 09.40.', []],
  ['Hen sa att pappan tog 1 500 kr från hennes konto.', []],
  ['Hen har fått 2000 kronor i present av en okänd vuxen.', []],
  ['Vi satt i rum 204 och sedan i sal B12.', []],
  ['Det har hänt minst 3 gånger sedan vecka 10.', []],
  ['Hen är 12 år och har gått här sedan 2019.', []],
  ['Lektionen 13:00-14:30 var hen frånvarande.', []],
  ['Alla i klassen har märkt att hen är ledsen.', []],
  ['Bo i trygghet är vad hen behöver, säger kuratorn.', []],
  ['Enligt BUP och elevhälsan är det inget nytt.', []],
  ['Jag ringde socialjouren 2026-02-14 22:30.', []],
  ['Hen har 10 000 kr i skuld till en kompis, sa hen.', []],
  ['Vi åkte till Stockholm på klassresa i maj.', []],
  ['Hen går på Ekbackens skola i Norra distriktet.', []],
  ['Frånvaron var 35 % under vecka 5-9.', []],
  ['Betyget i matte var E och i svenska C.', []],
  ['Det hände 01.02.2026 och igen 15.02.2026.', []],
  ['Enligt BUP och IFO är det inget akut.', []],
  ['Klockan var 07:45 när hen kom, 0 minuter för sent.', []],
  ['Hen har 100 000 kr i skuld, 5 000 000 kr enligt pappan.', []],
  ['Mon tro om hen är sjuk? Hen hade en ask med kritor.', []],
  ['Jag kan inte minnas vad hen klarar per dag, sa hans bror.', []],
  ['Hen tog hemvägen 3 gånger och gick sedan till lekparken.', []],
  ['Per dag får hen två mål mat, och alla vet om det.', []],
];

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;

describe('the identifying-details guard (PII)', () => {
  it(`has a table of at least 50 Swedish texts (${cases.length})`, () => {
    assert.ok(cases.length >= 50);
  });

  it('never lets a personnummer, phone number or e-mail address through, and prints precision and recall', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const misses: string[] = [];
    const falseAlarms: string[] = [];
    for (const [text, expected] of cases) {
      const result = checkText(text);
      for (const [kind, value] of expected) {
        if (STRONG.has(kind)) {
          assert.ok(!result.cleaned.includes(value), `strong ${kind} "${value}" slipped through in: ${text}`);
          assert.ok(
            result.removed.some((h) => h.value.includes(value) || value.includes(h.value)),
            `strong ${kind} "${value}" not reported in: ${text}`,
          );
        }
      }
      // Compare found spans with expected spans in the original text (weak positions refer to the cleaned text).
      const expectedSpans = expected.map(([kind, value]) => ({
        kind,
        value,
        start: text.indexOf(value),
        end: text.indexOf(value) + value.length,
        found: false,
      }));
      for (const e of expectedSpans) assert.ok(e.start >= 0, `expected value "${e.value}" not in its text`);
      const found = [
        ...result.removed,
        ...result.flagged.map((h) => {
          const start = text.indexOf(h.value);
          return { ...h, start, end: start + h.value.length };
        }),
      ];
      for (const f of found) {
        const match = expectedSpans.find((e) => overlaps(e, f));
        if (match) match.found = true;
        else {
          fp++;
          falseAlarms.push(`${f.kind} "${f.value}" in: ${text}`);
        }
      }
      for (const e of expectedSpans) {
        if (e.found) tp++;
        else {
          fn++;
          misses.push(`${e.kind} "${e.value}" in: ${text}`);
        }
      }
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `      PII guard over ${cases.length} texts: precision ${(precision * 100).toFixed(1)} %, recall ${(recall * 100).toFixed(1)} % (tp ${tp}, fp ${fp}, fn ${fn})`,
    );
    for (const m of misses) console.log(`        missed: ${m}`);
    for (const f of falseAlarms) console.log(`        false alarm: ${f}`);
    assert.ok(recall >= 0.95, `recall ${recall}`);
    assert.ok(precision >= 0.95, `precision ${precision}`);
  });

  it('flags none of the look-alikes: dates, class names, times, amounts, rooms', () => {
    for (const [text, expected] of cases.filter(([, e]) => e.length === 0)) {
      const result = checkText(text);
      assert.deepEqual(
        [...result.removed, ...result.flagged].map((h) => `${h.kind}:${h.value}`),
        [],
        text,
      );
      assert.equal(result.cleaned, text);
    }
  });

  it(`replaces strong hits with "${REMOVED}" and keeps the rest of the text as it was`, () => {
    const r = checkText('Mamman (121212-1212) ringde från 070-174 06 50 och mejlade x@example.com.');
    assert.equal(r.cleaned, `Mamman (${REMOVED}) ringde från ${REMOVED} och mejlade ${REMOVED}.`);
    assert.deepEqual(
      r.removed.map((h) => h.kind),
      ['personnummer', 'phone', 'email'],
    );
    assert.deepEqual(r.flagged, []);
  });

  it('replaces every name, address and postal code in what is sent, and restores only what the teacher restored', () => {
    const r = checkText(
      'Ahmed Hassan i 4B blir slagen. Mamma Fatima, 070-174 06 50, bor på Storgatan 12, 123 45 Exemplinge. Ahmeds bror också.',
    );
    assert.deepEqual(
      r.flagged.map((h) => [h.kind, h.value]),
      [
        ['name', 'Ahmed'],
        ['name', 'Hassan'],
        ['name', 'Fatima'],
        ['address', 'Storgatan 12'],
        ['postalCode', '123 45'],
        ['name', 'Ahmeds'],
      ],
    );
    const sent = replaceFlagged(r.cleaned, r.flagged);
    assert.equal(
      sent,
      `${PLACEHOLDER.name} ${PLACEHOLDER.name} i 4B blir slagen. Mamma ${PLACEHOLDER.name}, ${REMOVED}, bor på ${PLACEHOLDER.address}, ${PLACEHOLDER.postalCode} Exemplinge. ${PLACEHOLDER.name} bror också.`,
    );
    assert.equal(
      sent,
      '[namn] [namn] i 4B blir slagen. Mamma [namn], [borttaget], bor på [adress], [postnummer] Exemplinge. [namn] bror också.',
    );
    for (const name of ['Ahmed', 'Hassan', 'Fatima', 'Storgatan', '123 45']) assert.ok(!sent.includes(name), name);
    // One restored: that one word comes back, in its place, and nothing else does.
    assert.equal(
      replaceFlagged(r.cleaned, r.flagged, new Set([1])),
      '[namn] Hassan i 4B blir slagen. Mamma [namn], [borttaget], bor på [adress], [postnummer] Exemplinge. [namn] bror också.',
    );
    // What the teacher replaced stays replaced when the text is checked again.
    assert.deepEqual(checkText(sent).flagged, []);
  });

  it('a name that is also a word: a name inside a sentence or where the text uses it as one, a word otherwise', () => {
    const flagged = (t: string) => checkText(t).flagged.map((h) => h.value);
    assert.deepEqual(flagged('Ask kom inte i dag. Jag pratade med Ask i går.'), ['Ask', 'Ask']);
    assert.deepEqual(flagged('Ask kom inte i dag.'), [], 'one sentence-opening "Ask" alone reads as a word: the documented gap');
    assert.deepEqual(flagged('Hen hade en ask med kritor. Mon tro om det betyder något?'), []);
    assert.deepEqual(flagged('Jag pratade med Mon och Per.'), ['Mon', 'Per']);
    assert.deepEqual(flagged('hen sa att per och bo är rädda.'), [], 'in lower case they are words');
    assert.deepEqual(flagged('Det var KALLE och BO.'), ['KALLE']);
  });

  it('finds names hidden by invisible characters or typed with a combining ring', () => {
    const r = checkText('Ah\u200Bmed och A\u030Asa kom inte.');
    assert.deepEqual(
      r.flagged.map((h) => h.value),
      ['Ahmed', 'Åsa'],
    );
    assert.equal(replaceFlagged(r.cleaned, r.flagged), '[namn] och [namn] kom inte.');
  });

  it("flags the school's name when the teacher chose not to show it", () => {
    const places = ['Ekbackens skola', 'Förskolan Solstrålen', 'Friskolan Lyran'].flatMap(placeTerms);
    assert.deepEqual(places, ['Ekbacken', 'Solstrålen', 'Lyran']);
    assert.deepEqual(
      checkText('Hen går i 5B på Ekbackens skola sedan i höstas.', [], places).flagged.map((h) => [h.kind, h.value]),
      [['place', 'Ekbackens']],
    );
    assert.deepEqual(
      checkText('På ekbacken har det hänt förut.', [], places).flagged.map((h) => h.value),
      ['ekbacken'],
    );
    assert.deepEqual(checkText('Hen går på en skola i norra distriktet.', [], places).flagged, []);
  });

  it("flags further names when a municipality configures them (a school's pupils)", () => {
    assert.deepEqual(checkText('Jag är orolig för Zlatana.').flagged, []);
    assert.deepEqual(
      checkText('Jag är orolig för Zlatana.', ['Zlatana']).flagged.map((h) => h.value),
      ['Zlatana'],
    );
  });

  // Formatting variants of the same few test numbers, in varied surroundings: the strong patterns
  // must hold whatever the separators and punctuation around them.
  const context = {
    prefix: fc.constantFrom('', 'pnr ', 'Personnummer: ', '(', 'nr:', 'Eleven, ', '"'),
    suffix: fc.constantFrom('', '.', ')', ' och', ',', '"', '!'),
  };
  const digitsOnly = (t: string) => t.replace(/\D/g, '');

  it("removes Skatteverket's test personnummer in any common formatting and surrounding", () => {
    const pnr = fc.record({
      century: fc.constantFrom('', '19', '20'),
      sep: fc.constantFrom('', '-', '+', ' ', ' - '),
      prefix: context.prefix,
      suffix: context.suffix,
    });
    fc.assert(
      fc.property(pnr, ({ century, sep, prefix, suffix }) => {
        const text = `Hen sa ${prefix}${century}121212${sep}1212${suffix} till mig.`;
        const r = checkText(text);
        assert.ok(!digitsOnly(r.cleaned).includes('1212121212'), `${text} -> ${r.cleaned}`);
        assert.ok(!r.cleaned.includes('1212'), `${text} -> ${r.cleaned}`);
      }),
      { numRuns: 300 },
    );
  });

  it('removes phone numbers from the range PTS reserves for fiction, however they are spaced', () => {
    const phone = fc.record({
      last: fc.integer({ min: 5, max: 99 }),
      seps: fc.array(fc.constantFrom('', '', ' ', '-'), { minLength: 9, maxLength: 9 }),
      international: fc.boolean(),
      prefix: context.prefix,
      suffix: context.suffix,
    });
    fc.assert(
      fc.property(phone, ({ last, seps, international, prefix, suffix }) => {
        const digits = `07017406${String(last).padStart(2, '0')}`;
        const local = international ? `+46 ${digits.slice(1)}` : digits;
        let formatted = '';
        const start = international ? 4 : 0;
        formatted = local.slice(0, start + 1);
        for (let i = start + 1; i < local.length; i++) formatted += (seps[i - start - 1] ?? '') + local[i];
        const text = `Ring ${prefix}${formatted}${suffix} i kväll.`;
        const r = checkText(text);
        assert.ok(!digitsOnly(r.cleaned).includes(digits.slice(3)), `${text} -> ${r.cleaned}`);
      }),
      { numRuns: 300 },
    );
  });
});
