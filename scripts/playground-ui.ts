/**
 * `npm run ui-check`: drives Värna's main flows in the Microsoft 365 Agents Playground with
 * Playwright and Debian's Chromium (no browser download), proving that our cards work in a real
 * Adaptive Cards renderer, and takes the README's screenshots (docs/images/).
 *
 *   apt-get install -y chromium      # once; or CHROMIUM=/path/to/chrome
 *
 * Not part of `npm test`: it needs a browser. The bot runs in local mode on a fresh store in a
 * temporary folder, so the developer's own data/ is not touched.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Locator, type Page } from 'playwright-core';
import { startDevStack } from './dev';

const ROOT = join(__dirname, '..');
const IMAGES = join(ROOT, 'docs', 'images');
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

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const result = await run();
    console.log(`  ok    ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    console.error(`  FAIL  ${name}: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
  const data = mkdtempSync(join(tmpdir(), 'varna-ui-'));
  mkdirSync(IMAGES, { recursive: true });
  const stack = await startDevStack({ botPort: 3979, playgroundPort: 56151, storeUrl: `sqlite:${join(data, 'varna.db')}` });
  const browser = await chromium.launchPersistentContext(join(data, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'sv-SE',
  });
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
      await page.screenshot({ path: join(IMAGES, 'playground-duty.png') });
    });
    await step('a topic opens and cites the act in force', async () => {
      await lastCard(page, 'Kort om vad lagen kräver av dig').getByRole('button', { name: 'Plikten är personlig' }).click();
      await lastCard(page, /2025:400/).waitFor();
    });
    await step('"värna status" in a team channel gives the ids for the config (admin guide)', async () => {
      await page.getByText('General', { exact: true }).first().click();
      // In a channel Teams delivers only messages that @mention the bot.
      const box = page.getByRole('textbox').first();
      await box.click();
      await box.pressSequentially('@');
      await page.locator('#typeahead-menu [role=menuitem]').filter({ hasText: 'Test Bot' }).first().click();
      await box.pressSequentially(' värna status');
      await page.getByRole('button', { name: 'Post' }).click();
      await lastCard(page, /Teamets id \(teamId\)/).waitFor();
      await page.screenshot({ path: join(IMAGES, 'playground-status.png') });
    });
    console.log(`screenshots in ${IMAGES.replace(`${ROOT}/`, '')}/`);
  } catch {
    failed = true;
    const shot = join(tmpdir(), 'varna-ui-failure.png');
    await browser.pages()[0]?.screenshot({ path: shot }).catch(() => undefined);
    console.error(`what the page showed: ${shot}`);
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(data, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

main().catch((error: Error) => {
  console.error(`ui-check: ${error.message}`);
  process.exit(1);
});
