import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { LOCAL_BOT_APP_ID } from '../src/config';
import { colorIcon, outlineIcon } from '../scripts/icons';
import { buildPackage, checkPackage, packageFiles, valuesFrom, zipFiles } from '../scripts/package';

const BOT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const env = {
  BOT_APP_ID: BOT,
  VARNA_PUBLISHER_URL: 'https://www.exempelkommun.se/varna',
  VARNA_PRIVACY_URL: 'https://www.exempelkommun.se/varna/integritet',
  VARNA_TERMS_URL: 'https://www.exempelkommun.se/varna/villkor',
};

/** The good package's files, with one change applied to the parsed manifest (or another file). */
async function packageWith(change: (files: Map<string, Buffer>, manifest: any) => void): Promise<Buffer> {
  const files = packageFiles(valuesFrom(env).values);
  const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
  change(files, manifest);
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  return zipFiles(files);
}

const jsonOf = (files: Map<string, Buffer>, name: string) => JSON.parse(files.get(name)!.toString('utf8'));

describe('the Teams app package (npm run package)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'varna-package-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds a package Teams accepts: schema-valid, Swedish first with English, the bot in personal and team scopes', async () => {
    const out = join(dir, 'varna.zip');
    const { problems } = await buildPackage(env, out);
    assert.deepEqual(problems, []);
    const zip = await JSZip.loadAsync(readFileSync(out));
    assert.deepEqual(Object.keys(zip.files).sort(), ['color.png', 'en.json', 'manifest.json', 'outline.png', 'sv.json']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    assert.equal(manifest.id, BOT);
    assert.equal(manifest.bots[0].botId, BOT);
    assert.deepEqual(manifest.bots[0].scopes, ['personal', 'team']);
    assert.equal(manifest.localizationInfo.defaultLanguageTag, 'sv-SE');
    assert.equal(manifest.developer.name, 'Exempelkommun');
    assert.equal(manifest.developer.privacyUrl, env.VARNA_PRIVACY_URL);
    assert.match(manifest.description.full, /orosanmälan/);
    assert.ok(!JSON.stringify(manifest).includes('${{'), 'every placeholder is filled');
    const en = JSON.parse(await zip.file('en.json')!.async('string'));
    assert.match(en['description.short'], /social services/);
  });

  it('ships the icons that scripts/icons.ts draws (npm run icons after changing it)', () => {
    assert.ok(readFileSync('appPackage/color.png').equals(colorIcon()), 'appPackage/color.png is stale');
    assert.ok(readFileSync('appPackage/outline.png').equals(outlineIcon()), 'appPackage/outline.png is stale');
  });

  it("asks for the least: one resource-specific permission (read the team's channel messages, to settle interrupted posts), no SSO, no web domains", async () => {
    const files = packageFiles(valuesFrom(env).values);
    const manifest = jsonOf(files, 'manifest.json');
    assert.deepEqual(manifest.authorization, {
      permissions: { resourceSpecific: [{ name: 'ChannelMessage.Read.Group', type: 'Application' }] },
    });
    assert.deepEqual(Object.keys(manifest.webApplicationInfo).sort(), ['id', 'resource']);
    assert.equal(manifest.webApplicationInfo.id, BOT);
    assert.equal(manifest.permissions, undefined);
    assert.deepEqual(manifest.validDomains, []);
    const more = await packageWith((_f, m) => {
      m.authorization.permissions.resourceSpecific.push({ name: 'ChatMessage.Read.Chat', type: 'Application' });
      m.webApplicationInfo = { id: BOT, resource: 'api://varna', applicationPermissions: ['Chat.Read.All'] };
    });
    const problems = await checkPackage(more, BOT);
    assert.ok(
      problems.some((p) => /resourceSpecific must be exactly ChannelMessage\.Read\.Group/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /webApplicationInfo: only id and resource/.test(p)),
      problems.join('\n'),
    );
    const otherApp = await packageWith((_f, m) => (m.webApplicationInfo.id = '11111111-2222-4333-8444-555555555555'));
    assert.ok((await checkPackage(otherApp, BOT)).some((p) => /webApplicationInfo\.id must be the bot's own/.test(p)));
  });

  it('with a managed identity as the bot asks for no resource-specific consent, which Teams grants to an app registration only', async () => {
    const out = join(dir, 'msi.zip');
    const { problems, zip } = await buildPackage({ ...env, BOT_APP_TYPE: 'UserAssignedMSI' }, out);
    assert.deepEqual(problems, []);
    const manifest = JSON.parse(await (await JSZip.loadAsync(zip!)).file('manifest.json')!.async('string'));
    assert.equal(manifest.bots[0].botId, BOT);
    assert.equal(manifest.webApplicationInfo, undefined);
    assert.equal(manifest.authorization, undefined);
    // A package with the consent is refused for a managed identity, and one without it for an app registration.
    const withConsent = await zipFiles(packageFiles(valuesFrom(env).values));
    assert.ok((await checkPackage(withConsent, BOT, { rsc: false })).some((p) => /must ask for no resource-specific consent/.test(p)));
    assert.ok((await checkPackage(zip!, BOT)).some((p) => /resourceSpecific must be exactly ChannelMessage\.Read\.Group/.test(p)));
  });

  it("takes the values by their placeholders' names too, as the environment files in env/ give them", () => {
    const { values, problems } = valuesFrom({
      BOT_APP_ID: BOT,
      PUBLISHER_NAME: 'Testkommun',
      PUBLISHER_URL: 'https://t.se/v',
      PRIVACY_URL: 'https://t.se/p',
      TERMS_URL: 'https://t.se/t',
      APP_VERSION: '1.2.3',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(
      [values.PUBLISHER_NAME, values.PUBLISHER_URL, values.PRIVACY_URL, values.TERMS_URL, values.APP_VERSION],
      ['Testkommun', 'https://t.se/v', 'https://t.se/p', 'https://t.se/t', '1.2.3'],
    );
  });

  it('fills the fixed local bot id without credentials, and needs the public URLs for a real tenant', () => {
    const local = valuesFrom({});
    assert.equal(local.values.BOT_APP_ID, LOCAL_BOT_APP_ID);
    assert.deepEqual(local.problems, []);
    const real = valuesFrom({ BOT_APP_ID: BOT });
    assert.deepEqual(
      real.problems.map((p) => p.split(':')[0]),
      ['VARNA_PUBLISHER_URL', 'VARNA_PRIVACY_URL', 'VARNA_TERMS_URL'],
    );
  });

  it('refuses an id that is not a GUID, and says which', async () => {
    const problems = await checkPackage(await packageWith((_f, m) => (m.id = 'varna-app')), BOT);
    assert.ok(
      problems.some((p) => p === 'manifest.json: id "varna-app" is not a GUID'),
      problems.join('\n'),
    );
  });

  it('refuses a package for another bot than the configured one', async () => {
    const problems = await checkPackage(await packageWith(() => undefined), LOCAL_BOT_APP_ID);
    assert.ok(
      problems.some((p) => /bots\[0\]\.botId .* is not the configured bot/.test(p)),
      problems.join('\n'),
    );
  });

  it('refuses an icon of the wrong size, and an outline icon that is not white on transparent', async () => {
    const png = (size: number, rgba: [number, number, number, number]) => {
      const img = new PNG({ width: size, height: size });
      for (let i = 0; i < img.data.length; i += 4) img.data.set(rgba, i);
      return PNG.sync.write(img);
    };
    const problems = await checkPackage(
      await packageWith((files) => {
        files.set('color.png', png(96, [31, 95, 122, 255]));
        files.set('outline.png', png(32, [31, 95, 122, 255]));
      }),
      BOT,
    );
    assert.ok(problems.includes('color.png: must be 192x192 pixels, is 96x96'), problems.join('\n'));
    assert.ok(problems.includes('outline.png: the outline icon needs a transparent background'), problems.join('\n'));
    assert.ok(
      problems.some((p) => /outline\.png: the outline icon must be white only/.test(p)),
      problems.join('\n'),
    );
  });

  it('refuses a command in the manifest that the bot does not answer, in either language', async () => {
    const problems = await checkPackage(
      await packageWith((files, m) => {
        m.bots[0].commandLists[0].commands.push({ title: 'exportera allt', description: 'finns inte' });
        const en = jsonOf(files, 'en.json');
        en['bots[0].commandLists[0].commands[3].title'] = 'about us';
        files.set('en.json', Buffer.from(JSON.stringify(en)));
      }),
      BOT,
    );
    assert.ok(
      problems.some((p) => /commands\[4\]: command "exportera allt" is not a command the bot answers in the personal scope/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^en\.json: .*command "about us" is not a command the bot answers/.test(p)),
      problems.join('\n'),
    );
  });

  it('refuses a team command offered in the 1:1 chat, where the bot does not answer it', async () => {
    const problems = await checkPackage(
      await packageWith((_f, m) => m.bots[0].commandLists[0].commands.push({ title: 'värna status' })),
      BOT,
    );
    assert.ok(
      problems.some((p) => /"värna status" is not a command the bot answers in the personal scope/.test(p)),
      problems.join('\n'),
    );
  });

  it('names schema violations, a bad version and a placeholder left unfilled', async () => {
    const problems = await checkPackage(
      await packageWith((_f, m) => {
        m.version = '1.0';
        m.name.short = 'Värna – ett mycket längre namn än Teams tillåter';
        m.developer.websiteUrl = '${{PUBLISHER_URL}}';
        m.accentColor = 'blue';
      }),
      BOT,
    );
    assert.ok(problems.includes('manifest.json: version "1.0" is not major.minor.patch'), problems.join('\n'));
    assert.ok(
      problems.some((p) => /manifest\.json: schema: \/name\/short must NOT have more than 30 characters/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /placeholder \$\{\{PUBLISHER_URL\}\} was not filled/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /\/accentColor/.test(p)),
      problems.join('\n'),
    );
  });

  it('keeps the Swedish file in step with the manifest, and every string translated to English', async () => {
    const problems = await checkPackage(
      await packageWith((files, m) => {
        m.description.short = 'En annan beskrivning än i sv.json.';
        m.bots[0].commandLists[0].commands.push({ title: 'meny' });
        const en = jsonOf(files, 'en.json');
        delete en['bots[0].commandLists[1].commands[0].description'];
        files.set('en.json', Buffer.from(JSON.stringify(en)));
      }),
      BOT,
    );
    assert.ok(problems.includes('sv.json: "description.short" differs from manifest.json'), problems.join('\n'));
    assert.ok(
      problems.includes(
        'en.json: "bots[0].commandLists[1].commands[0].description" is not translated (Teams would show the default language)',
      ),
      problems.join('\n'),
    );
    assert.ok(problems.includes('manifest.json: bots[0].commandLists[0] declares "meny" twice'), problems.join('\n'));
  });

  it('refuses files in folders and a missing localization file', async () => {
    const problems = await checkPackage(
      await packageWith((files) => {
        files.set('extra/readme.txt', Buffer.from('x'));
        files.delete('en.json');
      }),
      BOT,
    );
    assert.ok(
      problems.some((p) => /extra\/.*every file at the root/.test(p)),
      problems.join('\n'),
    );
    assert.ok(problems.includes('en.json: missing from the package'), problems.join('\n'));
  });

  it("says what is true about where the data goes: no AI, case data encrypted in the municipality's database, messages through Teams and the Bot Framework", () => {
    const files = packageFiles(valuesFrom(env).values);
    const sv = jsonOf(files, 'manifest.json').description.full as string;
    assert.equal(jsonOf(files, 'sv.json')['description.full'], sv);
    const en = jsonOf(files, 'en.json')['description.full'] as string;
    assert.match(sv, /Ingen AI-tjänst används/);
    assert.match(sv, /lagras krypterade i kommunens egen databas/);
    assert.match(sv, /genom Microsoft Teams och Bot Framework/);
    assert.match(sv, /kommunens Microsoft 365/);
    assert.match(en, /No AI service is used/);
    assert.match(en, /stored encrypted in the municipality's own database/);
    assert.match(en, /through Microsoft Teams and the Bot Framework/);
    for (const text of [sv, en]) assert.doesNotMatch(text, /Inga uppgifter lämnar|No data leaves/, 'messages do pass through Microsoft');
  });

  it('does not write a broken package', async () => {
    const out = join(dir, 'broken.zip');
    const { problems } = await buildPackage(
      {
        BOT_APP_ID: 'not-a-guid',
        ...{ VARNA_PUBLISHER_URL: 'https://x.se', VARNA_PRIVACY_URL: 'https://x.se/p', VARNA_TERMS_URL: 'https://x.se/t' },
      },
      out,
    );
    assert.ok(
      problems.some((p) => /botId "not-a-guid" is not a GUID/.test(p)),
      problems.join('\n'),
    );
    assert.throws(() => readFileSync(out));
  });
});
