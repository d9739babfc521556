/**
 * Profiles one B1 turn under load: `npx tsx bench/profile.ts <hej|submit|take> [requests]` builds,
 * prepares fresh drafts or reports (bench/prepare.ts), starts the compiled Värna with `--cpu-prof`
 * and the flags of `npm start`, sends the turns with autocannon (16 connections) and writes the
 * profile to bench/results/profiles/ (open it in Chrome DevTools or speedscope). Not a benchmark:
 * the profiler slows the process; read where the time goes, not how much there is.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { TENANT, activity, submitActivity, takeActivity, teamInstallActivity } from './activities';
import { launch } from './lib';
import { prepare } from './prepare';

const kind = (process.argv[2] ?? 'hej') as 'hej' | 'submit' | 'take';
const N = Number(process.argv[3] ?? 1000);

async function main(): Promise<void> {
  execSync('npm run build --silent', { stdio: 'inherit' });
  const dir = mkdtempSync(join(os.tmpdir(), 'varna-profile-'));
  const out = resolve('bench/results/profiles');
  mkdirSync(out, { recursive: true });
  const env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    VARNA_STORE_URL: `sqlite:${join(dir, 'profile.db')}`,
    VARNA_CONFIG: 'config/example.yaml',
    VARNA_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
    VARNA_INDEX_KEY: Buffer.alloc(32, 9).toString('base64'),
    BOT_TENANT_ID: TENANT,
    VARNA_RATE_BURST: '1000000',
    VARNA_RATE_PER_MINUTE: '1000000',
  };
  const prepared = await prepare(env, kind === 'submit' ? N : 0, kind === 'take' ? N : 0);
  const conn = await launch({ name: 'connector', args: ['bench/connector.js'], readyPath: '/stats' });
  const connectorUrl = `${conn.url}/`;
  const varna = await launch({
    name: 'Värna',
    args: ['--disable-warning=DEP0111', '--cpu-prof', `--cpu-prof-dir=${out}`, 'dist/src/index.js'],
    env,
    readyPath: '/readyz',
  });
  try {
    await fetch(`${varna.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: teamInstallActivity(connectorUrl),
    });
    let i = 0;
    const body = () =>
      kind === 'submit'
        ? submitActivity(connectorUrl, prepared.drafts[i++ % N]!)
        : kind === 'take'
          ? takeActivity(connectorUrl, prepared.reports[i++ % N]!)
          : activity(connectorUrl, 'hej');
    const r = await autocannon({
      url: `${varna.url}/api/messages`,
      method: 'POST',
      connections: 16,
      amount: N,
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (req: any) => ({ ...req, body: body() }) }],
    });
    console.log(
      `${kind}: ${r.requests.sent} requests, ${r.requests.average} req/s under the profiler, ${r.non2xx} non-2xx; profile in ${out}`,
    );
  } finally {
    await varna.stop();
    await conn.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
