/**
 * `npm run ui-check` (`-- --statistics` for the Statistik card alone): drives Värna's main flows in the Microsoft 365 Agents Playground with
 * Playwright and Debian's Chromium (no browser download), proving that our cards work in a real
 * Adaptive Cards renderer: the report form with a validation error, a sibling's report below the
 * receipt, "Ta ärendet" (a dialog: the Playground opens none headless, which the run says), a
 * consultation whose review replaces a pupil's name. Screenshots go to a temporary folder; with
 * `-- --update-docs` they replace the README's (docs/images/).
 *
 *   apt-get install -y chromium      # once; or CHROMIUM=/path/to/chrome
 *
 * Not part of `npm test`: it needs a browser. The bot runs in local mode on a fresh store in a
 * temporary folder, so the developer's own data/ is not touched.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { openStore } from '../src/services/store';
import { seed } from '../tests/support/statistics';
import { startDevStack } from './dev';

const ROOT = join(__dirname, '..');
const DOC_IMAGES = join(ROOT, 'docs', 'images');
/** Outside the tracked tree unless asked to update the README's screenshots. */
const IMAGES = process.argv.includes('--update-docs') ? DOC_IMAGES : mkdtempSync(join(tmpdir(), 'varna-ui-shots-'));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 20_000;

/** The newest card (bot message) that contains a text. */
const lastCard = (page: Page, text: string | RegExp): Locator => page.locator('.ac-adaptiveCard').filter({ hasText: text }).last();

async function say(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox').first();
  await box.click();
  await box.pressSequentially(text);
  await page.keyboard.press('Enter');
}

/**
 * Types into a card's field and checks that it stuck: the Playground re-renders a replaced card
 * once more after the invoke answer, which can wipe what was typed into the first rendering.
 */
async function fillIn(field: Locator, value: string): Promise<void> {
  await field.waitFor();
  await field.page().waitForTimeout(300);
  for (let attempt = 0; attempt < 5; attempt++) {
    await field.fill(value);
    await field.page().waitForTimeout(200);
    if ((await field.inputValue()) === value) return;
  }
  throw new Error(`the field did not keep "${value}"`);
}

/** A picture of one card whole: the chat pane made tall enough first, then back. */
async function shootCard(page: Page, card: Locator, file: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 4000 });
  await page.waitForTimeout(500);
  await card.screenshot({ path: join(IMAGES, file) });
  await page.setViewportSize({ width: 1280, height: 1200 });
}

/** A compact choice set renders as a Fluent combobox: open it, pick the option. */
async function choose(page: Page, card: Locator, label: string, option: string): Promise<void> {
  await card.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const result = await run();
    // A step the Playground cannot show says why, instead of passing.
    const skipped = result && typeof result === 'object' && 'skipped' in result ? String(result.skipped) : undefined;
    console.log(skipped ? `  skip  ${name}: ${skipped}` : `  ok    ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    console.error(`  FAIL  ${name}: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  }
}

const launch = (data: string): Promise<BrowserContext> =>
  chromium.launchPersistentContext(join(data, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 1200 },
    locale: 'sv-SE',
  });

/**
 * The Statistik card on a store seeded with the statistics test data (tests/support/statistics.ts),
 * the Playground's user (Tina) given the statistics role in a copy of the example municipality.
 * Reports which chart elements the Playground drew (Teams' renderer) and which fell back.
 */
async function statisticsCard(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'varna-ui-stats-'));
  const storeUrl = `sqlite:${join(data, 'varna.db')}`;
  const store = await openStore(storeUrl);
  await seed(store);
  await store.close();
  const config = parse(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8')) as {
    roles: { statistics: Array<{ aadObjectId: string; name: string }> };
  };
  config.roles.statistics.push({
    aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001',
    name: 'Tina Testlärare (statistik i UI-kontrollen)',
  });
  writeFileSync(join(data, 'municipality.yaml'), stringify(config));
  const stack = await startDevStack({
    botPort: 3980,
    playgroundPort: 56152,
    storeUrl,
    env: { VARNA_CONFIG: join(data, 'municipality.yaml') },
  });
  const browser = await launch(data);
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(stack.playgroundUrl, { waitUntil: 'domcontentloaded' });
    await lastCard(page, 'Värna – stöd när du är orolig för ett barn').waitFor();
    await step('"statistik" gives the Statistik card with Teams charts (or their fallbacks) and the table', async () => {
      await say(page, 'statistik');
      const card = lastCard(page, 'Anmälningar per skola');
      await card.waitFor();
      await card.getByText('Ekbackens skola', { exact: true }).first().waitFor();
      await page.waitForTimeout(1500);
      // Teams' chart components carry the chart's title in their aria-label; a fallback is plain text.
      const titles = ['Anmälningar per skola', 'Beslut om utredning, efter utfall', 'Timmar från anmälan'];
      const drawn: string[] = [];
      for (const title of titles) if ((await card.locator(`[aria-label*="${title}"]`).count()) > 0) drawn.push(title);
      console.log(
        `        charts drawn by the Playground's renderer: ${drawn.length} of ${titles.length}${drawn.length < titles.length ? ' (the others show their fallback)' : ''}`,
      );
      if (drawn.length === 0 && !(await card.getByText('Förskolan Solstrålen').count()))
        throw new Error('neither a chart nor its fallback is on the card');
      // Tall enough for the whole card in the chat pane, then a picture of the card alone.
      await page.setViewportSize({ width: 1280, height: 4000 });
      await page.waitForTimeout(500);
      await card.screenshot({ path: join(IMAGES, 'playground-statistics.png') });
    });
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--statistics')) {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
    mkdirSync(IMAGES, { recursive: true });
    await statisticsCard();
    return;
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
  const data = mkdtempSync(join(tmpdir(), 'varna-ui-'));
  mkdirSync(IMAGES, { recursive: true });
  const stack = await startDevStack({ botPort: 3979, playgroundPort: 56151, storeUrl: `sqlite:${join(data, 'varna.db')}` });
  const browser = await launch(data);
  let failed = false;
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    console.log(`Agents Playground at ${stack.playgroundUrl}, Värna at ${stack.botUrl}`);
    await step('the Playground opens the 1:1 chat and Värna welcomes on install', async () => {
      await page.goto(stack.playgroundUrl, { waitUntil: 'domcontentloaded' });
      await lastCard(page, 'Värna – stöd när du är orolig för ett barn').waitFor();
    });
    await step('"hej" gets the welcome card with the menu', async () => {
      const before = await page.locator('.ac-adaptiveCard').count();
      await say(page, 'hej');
      await page.locator('.ac-adaptiveCard').nth(before).waitFor();
      const card = lastCard(page, 'Är barnet i akut fara? Ring 112.');
      await card.getByRole('button', { name: 'Om anmälningsplikten' }).waitFor();
      await page.screenshot({ path: join(IMAGES, 'playground-welcome.png') });
    });
    await step('"Om anmälningsplikten" replaces the card with the overview (Action.Execute)', async () => {
      await lastCard(page, 'Är barnet i akut fara? Ring 112.').getByRole('button', { name: 'Om anmälningsplikten' }).click();
      const overview = lastCard(page, 'Kort om vad lagen kräver av dig');
      await overview.waitFor();
      await overview.getByRole('button', { name: 'Plikten är personlig' }).waitFor();
    });
    await step('a topic opens and cites the act in force', async () => {
      await lastCard(page, 'Kort om vad lagen kräver av dig').getByRole('button', { name: 'Plikten är personlig' }).click();
      await lastCard(page, /2025:400/).waitFor();
    });
    await step(
      '"Anmäl oro" walks the three cards to a receipt, through a validation error (test data: Skatteverket\'s test personnummer)',
      async () => {
        const before = await page.locator('.ac-adaptiveCard').count();
        await say(page, 'hej');
        await page.locator('.ac-adaptiveCard').nth(before).getByRole('button', { name: 'Anmäl oro' }).click();

        const first = lastCard(page, 'Steg 1 av 3');
        await first.getByText('Vid akut fara: ring 112 först', { exact: false }).waitFor();
        await first.getByLabel('Nej', { exact: true }).check();
        await fillIn(first.getByLabel('Barnets namn'), 'Elin Testbarn');
        await fillIn(first.getByLabel('Personnummer eller samordningsnummer'), '20121212-1213');
        await choose(page, first, 'Skola eller förskola', 'Ekbackens skola');
        await first.getByRole('button', { name: 'Fler uppgifter (frivilligt)' }).click();
        await fillIn(first.getByLabel('Klass eller avdelning'), '5B');
        await shootCard(page, first, 'playground-report-form.png');
        await first.getByRole('button', { name: 'Nästa' }).click();

        // The server refuses the personnummer next to its field, and keeps everything typed.
        const refused = lastCard(page, 'inte ett giltigt personnummer');
        await refused.waitFor();
        if ((await refused.getByLabel('Barnets namn').inputValue()) !== 'Elin Testbarn') throw new Error('the name was lost');
        await refused.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(IMAGES, 'playground-report-error.png') });
        await fillIn(refused.getByLabel('Personnummer eller samordningsnummer'), '20121212 1212');
        await refused.getByRole('button', { name: 'Nästa' }).click();

        const second = lastCard(page, 'Steg 2 av 3');
        await choose(page, second, 'Vad gäller oron?', 'Brister i omsorgen');
        await fillIn(second.getByLabel('Vad har du sett eller hört?'), 'Eleven kommer ofta hungrig och utan ytterkläder, senast i morse.');
        await fillIn(second.getByLabel('När (datum, tid)?'), 'I dag kl. 08.15');
        await fillIn(second.getByLabel('Vårdnadshavare (namn'), 'Gustav Vårdnadshavare');
        await second.getByLabel('Inte än – anmälan går före').check();
        await second.getByRole('button', { name: 'Nästa' }).click();

        // A first report: the reporter is open (no phone yet); the name comes from Teams.
        const third = lastCard(page, 'Steg 3 av 3');
        await third.getByRole('button', { name: 'Skicka anmälan' }).waitFor();
        await fillIn(third.getByLabel('Ditt namn'), 'Tina Testlärare');
        await fillIn(third.getByLabel('Din roll'), 'Lärare');
        await fillIn(third.getByLabel('Telefon där socialtjänsten når dig'), '070-111 22 33');
        await third.getByLabel('Ja', { exact: true }).check();
        await third.getByRole('button', { name: 'Skicka anmälan' }).click();
        const receipt = lastCard(page, /Anmälan VÄ-\d{4}-00001 är skickad/);
        await receipt.waitFor();
        await receipt.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(IMAGES, 'playground-report-receipt.png') });
      },
    );
    await step('"Anmäl ett syskon" opens a new card below the receipt, which stays; the reporter is remembered', async () => {
      const receipt = lastCard(page, /Anmälan VÄ-\d{4}-00001 är skickad/);
      await receipt.getByRole('button', { name: 'Anmäl ett syskon' }).click();
      const first = lastCard(page, 'Steg 1 av 3');
      await first.waitFor();
      await lastCard(page, /Anmälan VÄ-\d{4}-00001 är skickad/)
        .getByRole('button', { name: 'Anmäl ett syskon' })
        .waitFor();
      await fillIn(first.getByLabel('Barnets namn'), 'Olle Testbarn');
      await fillIn(first.getByLabel('Födelsedatum (om personnummer saknas)'), '2017-01-01');
      await first.getByRole('button', { name: 'Nästa' }).click();
      const second = lastCard(page, 'Steg 2 av 3');
      if (!(await second.getByLabel('Vad har du sett eller hört?').inputValue()).includes('hungrig'))
        throw new Error('the facts are not prefilled');
      await second.getByRole('button', { name: 'Nästa' }).click();
      const third = lastCard(page, 'Steg 3 av 3');
      await third.getByText('Tina Testlärare · Lärare · 070-111 22 33', { exact: false }).waitFor();
      await third.getByLabel('Ja', { exact: true }).check();
      await shootCard(page, third, 'playground-report-review.png');
      await third.getByRole('button', { name: 'Skicka anmälan' }).click();
      await lastCard(page, /Anmälan VÄ-\d{4}-00002 är skickad/).waitFor();
    });
    await step(
      'a consultation names a pupil: the review replaces the name, "Det är inget namn" restores a word and "Byt ut igen" undoes it, then it is sent',
      async () => {
        const before = await page.locator('.ac-adaptiveCard').count();
        await say(page, 'hej');
        await page.locator('.ac-adaptiveCard').nth(before).getByRole('button', { name: 'Konsultera anonymt' }).click();
        const compose = lastCard(page, 'Konsultera socialtjänsten anonymt');
        await fillIn(
          compose.getByLabel('Beskriv situationen'),
          'Kalle Testsson i årskurs 4 berättar att han ofta är ensam hemma på kvällarna. Ska vi anmäla?',
        );
        await choose(page, compose, 'Din skola', 'Ekbackens skola');
        await compose.getByRole('button', { name: 'Skicka till mottagningen' }).click();
        const review = lastCard(page, 'Kontrollera innan du skickar');
        await review.getByText('[namn]', { exact: false }).first().waitFor();
        await shootCard(page, review, 'playground-consultation-review.png');
        await review.getByRole('button', { name: 'Det är inget namn' }).first().click();
        const restored = lastCard(page, 'Kontrollera innan du skickar');
        await restored.getByText('står kvar', { exact: false }).first().waitFor();
        await restored.getByRole('button', { name: 'Byt ut igen' }).first().click();
        const again = lastCard(page, 'Kontrollera innan du skickar');
        await again.getByRole('button', { name: 'Det är inget namn' }).first().waitFor();
        await again.getByRole('button', { name: 'Skicka', exact: true }).click();
        await lastCard(page, /Skickad: konsultation K-\d+/).waitFor();
      },
    );
    await step("the report reaches the intake channel as a card without the child's identity", async () => {
      await page.getByText('Anmälningar', { exact: true }).first().click();
      const card = lastCard(page, /Ny orosanmälan VÄ-\d{4}-\d{5}/);
      await card.waitFor();
      const text = await card.innerText();
      for (const secret of ['Elin', 'Testbarn', '1212', 'Gustav', 'hungrig'])
        if (text.includes(secret)) throw new Error(`the channel card shows "${secret}"`);
      await page.screenshot({ path: join(IMAGES, 'playground-intake-channel.png') });
    });
    await step(
      'intake takes the report: "Ta ärendet" opens the handler\'s dialog, the phone required, and the card updates in place',
      async () => {
        const card = lastCard(page, /Ny orosanmälan VÄ-\d{4}-\d{5}/);
        const invokes = () => page.getByText(/User Application\s*invoke/).count();
        const invokesBefore = await invokes();
        await card.getByRole('button', { name: 'Bekräfta mottagen / Ta ärendet' }).click();
        // The button asks Teams for a dialog (task/fetch). The Playground (at least headless) sends
        // no invoke for it and opens nothing: say so, and leave the take to tests/protocol/acute.test.ts.
        const dialog = page.getByRole('dialog').filter({ hasText: 'Ditt telefonnummer' });
        const opened = await dialog.waitFor({ timeout: 8_000 }).then(
          () => true,
          () => false,
        );
        if (!opened) {
          const seen = `invokes in its log ${invokesBefore} before the press, ${await invokes()} after; dialogs on the page ${await page.getByRole('dialog').count()}`;
          return {
            skipped: `the Playground opened no dialog for the task/fetch button (${seen}); the take dialog is covered by tests/protocol/acute.test.ts`,
          };
        }
        await shootCard(page, dialog.locator('.ac-adaptiveCard').first(), 'playground-take-dialog.png');
        await dialog.getByRole('button', { name: 'Ta ärendet', exact: true }).click();
        await dialog.getByText('Fyll i ditt telefonnummer', { exact: false }).first().waitFor();
        await fillIn(dialog.getByLabel('Ditt telefonnummer', { exact: false }), '0123-456 01');
        await dialog.getByRole('button', { name: 'Ta ärendet', exact: true }).click();
        await lastCard(page, /tog ärendet/).waitFor();
        return undefined;
      },
    );
    await step(
      'intake records the protection assessment on the card (Action.Execute): the card updates in place with the history',
      async () => {
        const card = lastCard(page, /Ny orosanmälan VÄ-\d{4}-\d{5}/);
        await card.getByRole('button', { name: 'Skyddsbedömning gjord' }).click();
        await card.getByLabel('Nej', { exact: true }).check();
        await card.getByRole('button', { name: 'Spara' }).click();
        await lastCard(page, /skyddsbedömning gjord \(inget omedelbart skydd\)/).waitFor();
      },
    );
    await step('the consultation is in the consultations channel, under its number, the name replaced', async () => {
      await page.getByText('Konsultationer', { exact: true }).first().click();
      const card = lastCard(page, /Konsultation K-\d+/);
      await card.waitFor();
      const text = await card.innerText();
      if (text.includes('Tina')) throw new Error('the consultation card names the teacher');
      if (text.includes('Kalle') || text.includes('Testsson')) throw new Error('the consultation card names the pupil');
    });
    await step('"värna status" in the intake channel gives the ids for the config (admin guide)', async () => {
      // In a channel Teams delivers only messages that @mention the bot.
      const box = page.getByRole('textbox').first();
      await box.click();
      await box.pressSequentially('@');
      await page.locator('#typeahead-menu [role=menuitem]').filter({ hasText: 'Värna' }).first().click();
      await box.pressSequentially(' värna status');
      await page.getByRole('button', { name: 'Post' }).click();
      const status = lastCard(page, /Teamets id \(teamId\)/);
      await status.waitFor();
      await status.getByText('mottagningsenheten', { exact: false }).waitFor();
      await status.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(IMAGES, 'playground-status.png') });
    });
    console.log(
      `screenshots in ${IMAGES.replace(`${ROOT}/`, '')}/${IMAGES === DOC_IMAGES ? '' : ' (npm run ui-check -- --update-docs writes them to docs/images/)'}`,
    );
  } catch {
    failed = true;
    const shot = join(tmpdir(), 'varna-ui-failure.png');
    await browser
      .pages()[0]
      ?.screenshot({ path: shot })
      .catch(() => undefined);
    console.error(`what the page showed: ${shot}`);
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(data, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
  await statisticsCard().catch(async (error: Error) => {
    console.error(`  the statistics step failed: ${error.message.split('\n')[0]}`);
    process.exit(1);
  });
}

main().catch((error: Error) => {
  console.error(`ui-check: ${error.message}`);
  process.exit(1);
});
