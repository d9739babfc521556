import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { citationsIn } from '../support/citations';

/**
 * docs/legal.md lists every legal statement Värna makes to a user. A text that cites a provision
 * (SoL, OSL, Skollagen: chapter and section) the page does not list fails here, so a new or
 * changed citation cannot reach a user before the page, and the lawyer who reviews it, knows.
 */
const root = join(__dirname, '../..');
const page = readFileSync(join(root, 'docs/legal.md'), 'utf8');
const listed = new Set(page.split('\n').flatMap(citationsIn));

/** The user-facing texts: every i18n file, the committee exports, the Teams app description. */
const sources = [
  ...readdirSync(join(root, 'src/cards/i18n'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/cards/i18n/${f}`),
  'src/services/statistics-export.ts',
  'appPackage/manifest.json',
  'appPackage/sv.json',
  'appPackage/en.json',
];

/** Each citation in the text lines (comments left out), with where it is. */
function citedIn(file: string, text: string): Array<{ where: string; key: string }> {
  return text
    .split('\n')
    .flatMap((line, i) => (/^\s*(\/\/|\/\*|\*)/.test(line) ? [] : citationsIn(line).map((key) => ({ where: `${file}:${i + 1}`, key }))));
}

function unlisted(cited: Array<{ where: string; key: string }>, known: Set<string>): string[] {
  return cited.filter((c) => !known.has(c.key)).map((c) => `${c.key} (${c.where})`);
}

describe('docs/legal.md, the page a lawyer reviews the product from', () => {
  const cited = sources.flatMap((file) => citedIn(file, readFileSync(join(root, file), 'utf8')));

  it('lists every provision a user-facing text cites', () => {
    assert.ok(cited.length > 40, `the texts cite provisions (${cited.length} found)`);
    assert.deepEqual(unlisted(cited, listed), [], 'cited in a text but not on docs/legal.md: add a line for the statement and its source');
    assert.deepEqual(
      cited.filter((c) => c.key.startsWith('?')).map((c) => c.where),
      [],
      'every citation names its act or a chapter that tells it',
    );
  });

  it('fails for a text citing a provision the page does not list (in Swedish or English)', () => {
    const invented = [
      ...citedIn('src/cards/i18n/report.ts', "    x: 'Beslut enligt SoL (2025:400) 20 kap. 4 § och OSL 26 kap. 7 §.',"),
      ...citedIn('src/cards/i18n/report.ts', "    y: 'Under the Social Services Act (2025:400) ch. 19 s. 3.',"),
    ];
    assert.deepEqual(unlisted(invented, listed), [
      'SoL 20:4 (src/cards/i18n/report.ts:1)',
      'OSL 26:7 (src/cards/i18n/report.ts:1)',
      'SoL 19:3 (src/cards/i18n/report.ts:1)',
    ]);
  });

  it('reads citations the way the texts write them', () => {
    assert.deepEqual(
      citationsIn(
        'Socialtjänstlagen (2025:400) 19 kap. 5–6 §§, 20 kap. 6 §; offentlighets- och sekretesslagen (2009:400) 26 kap. 1 § och 9 a §',
      ),
      ['SoL 19:5', 'SoL 19:6', 'SoL 20:6', 'OSL 26:1', 'OSL 26:9 a'],
    );
    assert.deepEqual(
      citationsIn(
        'Social Services Act (2025:400) ch. 19 ss. 5–6; Public Access to Information and Secrecy Act (2009:400) ch. 26 s. 1 and s. 9 a',
      ),
      ['SoL 19:5', 'SoL 19:6', 'OSL 26:1', 'OSL 26:9 a'],
    );
    assert.deepEqual(citationsIn('(Social Services Act (2025:400), chapter 19, section 1)'), ['SoL 19:1']);
    assert.deepEqual(citationsIn('skollagen (2010:800) 29 kap. 13 §; (19 kap. 5 §)'), ['Skollagen 29:13', 'SoL 19:5']);
    assert.deepEqual(
      citationsIn('SoL 20 kap. 1 §; prop. 2012/13:10 s. 60'),
      ['SoL 20:1'],
      'a page of the preparatory works is not a section',
    );
  });

  it('points at files that exist, and names its guidance', () => {
    const paths = [...page.matchAll(/`((?:src|docs|appPackage|config|tests)\/[^`\s*]+\.(?:ts|json|md|yaml))`/g)].map((m) => m[1]!);
    assert.ok(paths.length > 5);
    for (const p of paths) assert.ok(existsSync(join(root, p)), `${p} does not exist`);
    for (const source of ['prop. 2012/13:10 s. 60', 'Skolans ansvar för barn som far illa', 'Att anmäla oro för barn'])
      assert.ok(page.includes(source), source);
  });
});
