/**
 * `npm run bicep:check`: what only Värna knows about its Azure templates (infra/*.bicep with their
 * .bicepparam files). Bicep itself (syntax, names, types against Azure's resource schemas, the
 * linter with infra/bicepconfig.json) is checked by the real Bicep CLI, in the deployment pipeline
 * (docs/deployment.md, "Checking the templates") and here too when one is on PATH:
 *
 *   az bicep build --file infra/main.bicep --stdout > /dev/null
 *   az bicep lint --file infra/main.bicep
 *   az bicep build-params --file infra/main.bicepparam --stdout > /dev/null   (with the environment's values set)
 *
 * Värna's own rules, which Bicep cannot know:
 *   - a @secure() param is given in the .bicepparam file by readEnvironmentVariable('NAME') without
 *     a fallback, or by getSecret(...): never a value written in the repository;
 *   - every VARNA_* or BOT_* setting the template gives the app is one Värna reads (src/config.ts's
 *     Env), so a misspelt name cannot silently leave a default in place (e.g. no audit key id);
 *   - the settings that hold a key or a password come from a container secret (secretRef), never as
 *     a plain value that the portal and the deployment history show.
 *
 *   npx tsx scripts/bicep-check.ts [template.bicep [params.bicepparam]]   (default: every infra/*.bicep)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Env } from '../src/config';

export interface Problem {
  /** Which file the line is in. */
  file: 'template' | 'params';
  /** 1-based. */
  line: number;
  message: string;
}

/** Settings the template gives the app that Värna does not read itself: they start a new revision when a file or secret changes. */
const REVISION_TRIGGERS = new Set(['VARNA_CONFIG_VERSION', 'VARNA_SECRETS_VERSION']);
/** Settings that carry a key or a password (read by Värna, or by pg and psql). */
const SECRET_SETTINGS = new Set([
  'VARNA_DATA_KEY',
  'VARNA_OLD_DATA_KEYS',
  'VARNA_INDEX_KEY',
  'VARNA_OLD_INDEX_KEYS',
  'VARNA_AUDIT_KEY',
  'VARNA_OLD_AUDIT_KEYS',
  'BOT_APP_PASSWORD',
  'PGPASSWORD',
  'APP_PASSWORD',
]);

/** The template's @secure() params: a `@secure()` (or `@sys.secure()`) among the decorators just above `param name`. */
function secureParams(template: string): Set<string> {
  const secure = new Set<string>();
  let decorated = false;
  let depth = 0;
  for (const raw of template.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (depth > 0 || line.startsWith('@')) {
      if (/^@(sys\.)?secure\(\)/.test(line)) decorated = true;
      depth += (line.match(/[([{]/g) ?? []).length - (line.match(/[)\]}]/g) ?? []).length;
      continue;
    }
    if (!line) continue;
    const param = /^param\s+([A-Za-z_][A-Za-z0-9_]*)\b/.exec(line);
    if (param && decorated) secure.add(param[1]!);
    decorated = false;
  }
  return secure;
}

function checkParams(template: string, params: string): Problem[] {
  const secure = secureParams(template);
  const problems: Problem[] = [];
  params.split('\n').forEach((line, i) => {
    const given = /^\s*param\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!given || !secure.has(given[1]!)) return;
    const [, name, value] = given;
    if (/^readEnvironmentVariable\(\s*'[^']*'\s*,/.test(value!))
      problems.push({
        file: 'params',
        line: i + 1,
        message: `secure param \`${name}\` falls back to a value written in this file: give readEnvironmentVariable('...') the name only`,
      });
    else if (!/^readEnvironmentVariable\(\s*'[^'$]*'\s*\)$/.test(value!) && !/^(az\.)?getSecret\(.*\)$/.test(value!))
      problems.push({
        file: 'params',
        line: i + 1,
        message: `secure param \`${name}\` must come from readEnvironmentVariable('...') or getSecret(...), never from text written in this file`,
      });
  });
  return problems;
}

function checkSettings(template: string): Problem[] {
  const reads = new Set(Object.keys(Env.shape));
  const problems: Problem[] = [];
  template.split('\n').forEach((line, i) => {
    for (const [, name, kind] of line.matchAll(/\{\s*name:\s*'([A-Z][A-Z0-9_]*)',\s*(value|secretRef):/g)) {
      if (/^(VARNA|BOT)_/.test(name!) && !reads.has(name!) && !REVISION_TRIGGERS.has(name!))
        problems.push({
          file: 'template',
          line: i + 1,
          message: `the app setting ${name} is not one Värna reads (src/config.ts, Env): a misspelt name leaves the default in place`,
        });
      if (SECRET_SETTINGS.has(name!) && kind === 'value')
        problems.push({
          file: 'template',
          line: i + 1,
          message: `the app setting ${name} holds a secret: give it by secretRef (a container secret from Key Vault), not as a value`,
        });
    }
  });
  return problems;
}

/** Värna's rules for a template and its parameter file (Bicep's own rules are the Bicep CLI's). */
export async function checkBicep(templateText: string, paramText?: string): Promise<Problem[]> {
  return [...checkSettings(templateText), ...(paramText === undefined ? [] : checkParams(templateText, paramText))];
}

// --- the command ---------------------------------------------------------------------------------

/** With no arguments: every infra/*.bicep, main.bicep first, each with its .bicepparam when it has one. */
function filesToCheck(args: string[]): [string, string | undefined][] {
  if (args.length > 0)
    return [
      [
        args[0]!,
        args[1] ?? (existsSync(args[0]!.replace(/\.bicep$/, '.bicepparam')) ? args[0]!.replace(/\.bicep$/, '.bicepparam') : undefined),
      ],
    ];
  const templates = readdirSync('infra')
    .filter((f) => f.endsWith('.bicep'))
    .sort((a, b) => (a === 'main.bicep' ? -1 : b === 'main.bicep' ? 1 : a.localeCompare(b)));
  return templates.map((t) => [`infra/${t}`, existsSync(`infra/${t}param`) ? `infra/${t}param` : undefined]);
}

/** `bicep` or `az bicep`, whichever is on PATH. */
function bicepCli(): string[] | undefined {
  if (spawnSync('bicep', ['--version'], { encoding: 'utf8' }).status === 0) return ['bicep'];
  if (spawnSync('az', ['bicep', 'version'], { encoding: 'utf8' }).status === 0) return ['az', 'bicep'];
  return undefined;
}

async function main(): Promise<number> {
  let count = 0;
  const files = filesToCheck(process.argv.slice(2));
  for (const [template, params] of files) {
    const problems = await checkBicep(readFileSync(template, 'utf8'), params ? readFileSync(params, 'utf8') : undefined);
    for (const p of problems) console.error(`${p.file === 'template' ? template : params}:${p.line}: ${p.message}`);
    count += problems.length;
    if (!problems.length) console.log(`ok: ${template}${params ? ` and ${params} pass` : ' passes'} Värna's checks`);
  }
  const cli = bicepCli();
  if (!cli)
    console.log(
      "skipped: Bicep's own build and lint (no `bicep` or `az bicep` on PATH; the deployment pipeline runs them, docs/deployment.md)",
    );
  else {
    const [command, ...prefix] = cli;
    for (const [template] of files) {
      // Not build-params: it reads the environment's values (readEnvironmentVariable), which only a deployment has.
      const runs = [
        ['build', '--file', template, '--stdout'],
        ['lint', '--file', template],
      ];
      for (const args of runs) {
        const result = spawnSync(command!, [...prefix, ...args], { encoding: 'utf8' });
        if (result.status === 0) console.log(`ok: ${cli.join(' ')} ${args.slice(0, 3).join(' ')}`);
        else {
          console.error(`${cli.join(' ')} ${args.join(' ')} failed:\n${result.stderr || result.stdout}`);
          count++;
        }
      }
    }
  }
  if (count) console.error(`${count} problem${count === 1 ? '' : 's'}`);
  return count ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
