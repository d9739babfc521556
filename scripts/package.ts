/**
 * `npm run package`: builds the Teams app package (appPackage/build/varna.zip) from the template in
 * appPackage/, with the ids filled from the environment, and checks it offline the way Teams'
 * validator does. A package with a problem is not written; every problem is named.
 *
 *   npm run package                      build and check (local mode: the fixed local bot id)
 *   npm run package -- --check some.zip  check an existing package
 *
 * Environment: BOT_APP_ID (the bot's Entra app id), TEAMS_APP_ID (the app's id in Teams; defaults
 * to BOT_APP_ID), VARNA_PUBLISHER_NAME (defaults to the municipality's name in VARNA_CONFIG),
 * VARNA_PUBLISHER_URL, VARNA_PRIVACY_URL, VARNA_TERMS_URL (required once BOT_APP_ID is set),
 * VARNA_APP_VERSION. Each may also be given by its placeholder's own name (PUBLISHER_URL,
 * APP_VERSION…), as in the environment files of env/ (infra/deploy.sh, m365agents.yml).
 * BOT_APP_TYPE=UserAssignedMSI (a managed identity as the bot): the package asks for no
 * resource-specific consent, which Teams grants to an app registration only.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { commandFor, type CommandScope } from '../src/bot/commands';
import { ConfigError, LOCAL_BOT_APP_ID, loadMunicipality } from '../src/config';

export const TEMPLATE_DIR = join(__dirname, '..', 'appPackage');
export const OUT_FILE = join(TEMPLATE_DIR, 'build', 'varna.zip');

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Teams wants major.minor.patch (semver without build metadata). */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
const PLACEHOLDER = /\$\{\{\s*([A-Z0-9_]+)\s*\}\}/g;
/** Teams shows command titles in a menu; longer ones are cut off (older schemas enforce 32). */
const MAX_COMMAND_TITLE = 32;

type Json = Record<string, any>;

export interface PackageValues {
  BOT_APP_ID: string;
  TEAMS_APP_ID: string;
  APP_VERSION: string;
  PUBLISHER_NAME: string;
  PUBLISHER_URL: string;
  PRIVACY_URL: string;
  TERMS_URL: string;
}

/** The placeholder values from the environment; problems name the variable to set. */
export function valuesFrom(env: NodeJS.ProcessEnv): { values: PackageValues; botAppId: string; rsc: boolean; problems: string[] } {
  const problems: string[] = [];
  const get = (name: string) => (env[name] ?? '').trim();
  const botAppId = get('BOT_APP_ID') || LOCAL_BOT_APP_ID;
  const local = !get('BOT_APP_ID');
  const publisherName = get('VARNA_PUBLISHER_NAME') || get('PUBLISHER_NAME');
  let municipality = 'Värna';
  try {
    municipality = loadMunicipality(resolve(get('VARNA_CONFIG') || get('VARNA_MUNICIPALITY_FILE') || 'config/example.yaml')).municipality
      .name;
  } catch (error) {
    if (!publisherName) problems.push(error instanceof ConfigError ? error.problems.join('; ') : String(error));
  }
  const url = (name: string, fallback: string) => {
    const v = get(name) || get(name.replace(/^VARNA_/, ''));
    if (!v && !local) problems.push(`${name}: required for a package for a real tenant (BOT_APP_ID is set)`);
    return v || fallback;
  };
  const version = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  return {
    botAppId,
    rsc: get('BOT_APP_TYPE') !== 'UserAssignedMSI',
    problems,
    values: {
      BOT_APP_ID: botAppId,
      TEAMS_APP_ID: get('TEAMS_APP_ID') || botAppId,
      APP_VERSION: get('VARNA_APP_VERSION') || get('APP_VERSION') || version,
      PUBLISHER_NAME: publisherName || municipality,
      PUBLISHER_URL: url('VARNA_PUBLISHER_URL', 'https://example.org/varna'),
      PRIVACY_URL: url('VARNA_PRIVACY_URL', 'https://example.org/varna/privacy'),
      TERMS_URL: url('VARNA_TERMS_URL', 'https://example.org/varna/terms'),
    },
  };
}

/** Fills ${{NAME}} placeholders; unknown ones stay, and the check names them. */
export function fill(text: string, values: Partial<PackageValues>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = (values as Record<string, string | undefined>)[name];
    return v === undefined ? whole : JSON.stringify(v).slice(1, -1);
  });
}

/** The package's files: the template's JSON with placeholders filled, and the icons. */
export function packageFiles(values: Partial<PackageValues>, dir = TEMPLATE_DIR): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.json')) files.set(name, Buffer.from(fill(readFileSync(join(dir, name), 'utf8'), values)));
    else if (name.endsWith('.png')) files.set(name, readFileSync(join(dir, name)));
  }
  return files;
}

export async function zipFiles(files: Map<string, Buffer>): Promise<Buffer> {
  const zip = new JSZip();
  // A fixed date keeps the zip byte-identical for the same inputs.
  for (const [name, data] of files) zip.file(name, data, { date: new Date('2026-01-01T00:00:00Z') });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

const schemas = new Map<string, Json | undefined>();

function schemaFor(manifestVersion: string, kind: 'MicrosoftTeams' | 'MicrosoftTeams.Localization'): Json | undefined {
  const key = `${manifestVersion}/${kind}`;
  if (!schemas.has(key)) schemas.set(key, readSchema(manifestVersion, kind));
  return schemas.get(key);
}

function readSchema(manifestVersion: string, kind: string): Json | undefined {
  const root = dirname(require.resolve('@microsoft/app-manifest/package.json'));
  try {
    return JSON.parse(
      readFileSync(join(root, 'build', 'json-schemas', 'teams', `v${manifestVersion}`, `${kind}.schema.json`), 'utf8'),
    ) as Json;
  } catch {
    return undefined;
  }
}

const validators = new Map<Json, ReturnType<Ajv04['compile']>>();

/**
 * JSON Schema check with the schemas @microsoft/app-manifest ships (draft-04), offline. Not in
 * unicode mode: some of Microsoft's patterns are not valid unicode regular expressions.
 */
function schemaProblems(doc: Json, schema: Json, file: string): string[] {
  let validate = validators.get(schema);
  if (!validate) {
    const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv, ['uri', 'email', 'regex']);
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${file}: schema: ${e.instancePath || '(root)'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

function pngProblems(data: Buffer | undefined, file: string, size: number, outline: boolean): string[] {
  if (!data) return [`${file}: missing from the package`];
  let png: PNG;
  try {
    png = PNG.sync.read(data);
  } catch {
    return [`${file}: not a PNG image`];
  }
  const problems: string[] = [];
  if (png.width !== size || png.height !== size) problems.push(`${file}: must be ${size}x${size} pixels, is ${png.width}x${png.height}`);
  if (outline) {
    let transparent = 0;
    let coloured = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b, a] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!, png.data[i + 3]!];
      if (a === 0) transparent++;
      else if (r < 250 || g < 250 || b < 250) coloured++;
    }
    if (transparent === 0 || png.data[3] !== 0) problems.push(`${file}: the outline icon needs a transparent background`);
    if (coloured > 0) problems.push(`${file}: the outline icon must be white only (${coloured} pixels are not white)`);
  }
  return problems;
}

const scopeOf = (s: string): CommandScope | undefined => (s === 'personal' ? 'personal' : s === 'team' ? 'team' : undefined);

/** Each command Teams offers must be one the bot answers, in the scope it is offered in. */
function commandProblems(titles: Array<{ title: string; scopes: string[]; where: string }>): string[] {
  const problems: string[] = [];
  for (const { title, scopes, where } of titles) {
    if (title.length > MAX_COMMAND_TITLE) problems.push(`${where}: command "${title}" is longer than ${MAX_COMMAND_TITLE} characters`);
    for (const scope of scopes) {
      const s = scopeOf(scope);
      if (!s) problems.push(`${where}: scope "${scope}": the bot offers no commands there`);
      else if (!commandFor(title, s))
        problems.push(`${where}: command "${title}" is not a command the bot answers in the ${scope} scope (src/bot/commands.ts)`);
    }
  }
  return problems;
}

/**
 * Checks a package as Teams' validator would, offline: JSON Schema of the manifest and the
 * localization files, ids are GUIDs, the bot id is the configured one, version, icons, declared
 * commands exist in the bot, no placeholder left, and no permission the bot does not use.
 */
export async function checkPackage(zipData: Buffer, expectedBotId: string, { rsc = true }: { rsc?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(zipData);
  } catch {
    return ['the package is not a zip file'];
  }
  const files = new Map<string, Buffer>();
  for (const entry of Object.values(zip.files)) {
    if (entry.dir || entry.name.includes('/')) {
      problems.push(`${entry.name}: Teams wants every file at the root of the zip, not in folders`);
      continue;
    }
    files.set(entry.name, await entry.async('nodebuffer'));
  }
  const json = (name: string): Json | undefined => {
    const data = files.get(name);
    if (!data) {
      problems.push(`${name}: missing from the package`);
      return undefined;
    }
    try {
      return JSON.parse(data.toString('utf8')) as Json;
    } catch (error) {
      problems.push(`${name}: not valid JSON (${(error as Error).message})`);
      return undefined;
    }
  };
  const manifest = json('manifest.json');
  if (!manifest) return problems;

  for (const [name, data] of files) {
    if (!name.endsWith('.json')) continue;
    for (const m of data.toString('utf8').matchAll(PLACEHOLDER))
      problems.push(`${name}: placeholder ${m[0]} was not filled (set ${m[1]} in the environment)`);
  }

  const version = String(manifest.manifestVersion ?? '');
  const schema = schemaFor(version, 'MicrosoftTeams');
  if (!schema)
    problems.push(`manifest.json: manifestVersion "${version}" has no schema in @microsoft/app-manifest, so it cannot be checked`);
  else problems.push(...schemaProblems(manifest, schema, 'manifest.json'));
  if (typeof manifest.$schema === 'string' && !manifest.$schema.includes(`/v${version}/`))
    problems.push(`manifest.json: $schema does not match manifestVersion ${version}`);

  if (!GUID.test(String(manifest.id))) problems.push(`manifest.json: id "${String(manifest.id)}" is not a GUID`);
  if (!SEMVER.test(String(manifest.version)))
    problems.push(`manifest.json: version "${String(manifest.version)}" is not major.minor.patch`);

  const bots = (manifest.bots ?? []) as Json[];
  if (bots.length !== 1) problems.push('manifest.json: exactly one bot is expected');
  const bot = bots[0] ?? {};
  if (!GUID.test(String(bot.botId))) problems.push(`manifest.json: bots[0].botId "${String(bot.botId)}" is not a GUID`);
  else if (String(bot.botId).toLowerCase() !== expectedBotId.toLowerCase())
    problems.push(`manifest.json: bots[0].botId ${String(bot.botId)} is not the configured bot (BOT_APP_ID ${expectedBotId})`);
  for (const scope of ['personal', 'team'])
    if (!((bot.scopes ?? []) as string[]).includes(scope)) problems.push(`manifest.json: the bot must be offered in the ${scope} scope`);

  // The least: a bot that posts through the Bot Framework into a team it is installed in needs no
  // SSO app and no device access. One resource-specific permission, read by the bot's own app
  // registration: ChannelMessage.Read.Group (Application), so the outbox can check over Graph
  // whether a channel post whose send was interrupted arrived (docs/security.md). Nothing more.
  // With a managed identity as the bot (BOT_APP_TYPE=UserAssignedMSI) there is no app registration
  // to grant it to: the package asks for none, and interrupted posts are resent marked instead.
  const web = manifest.webApplicationInfo as Json | undefined;
  if (!rsc) {
    if (manifest.authorization !== undefined || web !== undefined)
      problems.push(
        'manifest.json: with a managed identity as the bot (BOT_APP_TYPE=UserAssignedMSI) the package must ask for no resource-specific consent (no authorization, no webApplicationInfo): Teams grants it to an app registration only',
      );
  } else {
    const granted = (manifest.authorization?.permissions?.resourceSpecific ?? []) as Json[];
    const expectedRsc = [{ name: 'ChannelMessage.Read.Group', type: 'Application' }];
    if (JSON.stringify(granted.map((p) => ({ name: p.name, type: p.type }))) !== JSON.stringify(expectedRsc))
      problems.push(
        `manifest.json: authorization.permissions.resourceSpecific must be exactly ChannelMessage.Read.Group (Application), not ${JSON.stringify(granted.map((p) => `${String(p.name)} (${String(p.type)})`))}`,
      );
    if (Object.keys(manifest.authorization?.permissions ?? {}).some((k) => k !== 'resourceSpecific'))
      problems.push('manifest.json: authorization.permissions: only resourceSpecific is needed');
    if (!web || String(web.id).toLowerCase() !== expectedBotId.toLowerCase())
      problems.push("manifest.json: webApplicationInfo.id must be the bot's own app registration (BOT_APP_ID): RSC is granted to it");
    else if (Object.keys(web).some((k) => k !== 'id' && k !== 'resource'))
      problems.push('manifest.json: webApplicationInfo: only id and resource (no SSO)');
  }
  if (((manifest.permissions ?? []) as unknown[]).length) problems.push('manifest.json: permissions are not needed');
  if (((manifest.devicePermissions ?? []) as unknown[]).length) problems.push('manifest.json: devicePermissions are not needed');
  if (((manifest.validDomains ?? []) as unknown[]).length)
    problems.push('manifest.json: validDomains should be empty (the bot opens no web content)');

  problems.push(...pngProblems(files.get(String(manifest.icons?.color)), String(manifest.icons?.color ?? 'color icon'), 192, false));
  problems.push(...pngProblems(files.get(String(manifest.icons?.outline)), String(manifest.icons?.outline ?? 'outline icon'), 32, true));

  const lists = (bot.commandLists ?? []) as Json[];
  lists.forEach((list, i) => {
    const seen = new Set<string>();
    for (const c of (list.commands ?? []) as Json[]) {
      const title = String(c.title ?? '').toLowerCase();
      if (seen.has(title)) problems.push(`manifest.json: bots[0].commandLists[${i}] declares "${String(c.title)}" twice`);
      seen.add(title);
    }
  });
  const titles = lists.flatMap((list, i) =>
    ((list.commands ?? []) as Json[]).map((c, j) => ({
      title: String(c.title ?? ''),
      scopes: (list.scopes ?? []) as string[],
      where: `manifest.json: bots[0].commandLists[${i}].commands[${j}]`,
    })),
  );

  const info = manifest.localizationInfo as Json | undefined;
  const languageFiles = [
    ...(info?.defaultLanguageFile ? [String(info.defaultLanguageFile)] : []),
    ...((info?.additionalLanguages ?? []) as Json[]).map((l) => String(l.file)),
  ];
  if (!info) problems.push('manifest.json: localizationInfo is missing (Swedish and English are expected)');
  const localizationSchema = schemaFor(version, 'MicrosoftTeams.Localization');
  const defaultFile = info?.defaultLanguageFile ? String(info.defaultLanguageFile) : undefined;
  let defaultKeys: string[] = [];
  for (const file of languageFiles) {
    const doc = json(file);
    if (!doc) continue;
    if (localizationSchema) problems.push(...schemaProblems(doc, localizationSchema, file));
    const keys = Object.keys(doc).filter((k) => k !== '$schema');
    if (file === defaultFile) {
      // The default language file wins over the manifest's own strings; they must not drift apart.
      defaultKeys = keys;
      for (const key of keys) {
        const inManifest = valueAt(manifest, key);
        if (inManifest !== undefined && inManifest !== doc[key]) problems.push(`${file}: "${key}" differs from manifest.json`);
      }
    } else {
      for (const key of defaultKeys)
        if (!(key in doc)) problems.push(`${file}: "${key}" is not translated (Teams would show the default language)`);
    }
    for (const [key, value] of Object.entries(doc)) {
      const m = /^bots\[0\]\.commandLists\[(\d+)\]\.commands\[(\d+)\]\.(title|description)$/.exec(key);
      if (!m) continue;
      const list = lists[Number(m[1])];
      if (!list?.commands?.[Number(m[2])]) {
        problems.push(`${file}: ${key} translates a command the manifest does not declare`);
        continue;
      }
      if (m[3] === 'title') titles.push({ title: String(value), scopes: (list.scopes ?? []) as string[], where: `${file}: ${key}` });
    }
  }
  problems.push(...commandProblems(titles));
  return problems;
}

/** The manifest's value at a localization key such as "bots[0].commandLists[1].commands[0].title". */
function valueAt(doc: Json, key: string): unknown {
  let node: unknown = doc;
  for (const part of key.match(/[^.[\]]+/g) ?? []) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Builds and checks the package; writes it only when it has no problem. */
export async function buildPackage(env: NodeJS.ProcessEnv, out = OUT_FILE): Promise<{ problems: string[]; zip?: Buffer }> {
  const { values, botAppId, rsc, problems } = valuesFrom(env);
  const files = packageFiles(values);
  if (!rsc) {
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Json;
    delete manifest.webApplicationInfo;
    delete manifest.authorization;
    files.set('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  }
  const zip = await zipFiles(files);
  problems.push(...(await checkPackage(zip, botAppId, { rsc })));
  if (problems.length) return { problems };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zip);
  return { problems, zip };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const checkIndex = args.indexOf('--check');
  if (checkIndex >= 0) {
    const file = args[checkIndex + 1];
    if (!file) throw new Error('--check needs a zip file');
    const { botAppId, rsc } = valuesFrom(process.env);
    const problems = await checkPackage(readFileSync(file), botAppId, { rsc });
    report(problems, `${file} passes the checks`);
    return;
  }
  const { problems } = await buildPackage(process.env);
  report(
    problems,
    `wrote ${OUT_FILE.replace(`${process.cwd()}/`, '')}${process.env.BOT_APP_ID ? '' : ' (local bot id: for the Agents Playground and tests, not for a tenant)'}`,
  );
}

function report(problems: string[], ok: string): void {
  if (problems.length) {
    console.error(`The app package has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exitCode = 1;
    return;
  }
  console.log(ok);
}

if (require.main === module) void main();
