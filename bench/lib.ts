/** Helpers for the benchmarks: processes, ports, readiness, paced load, statistics. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { createServer } from 'node:net';
import { once } from 'node:events';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

export interface Candidate {
  name: string;
  /** node arguments (flags and script). */
  args: string[];
  env?: Record<string, string>;
  readyPath: string;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  url: string;
  coldMs: number;
  stop(): Promise<void>;
}

/** Starts a candidate and measures the cold start: spawn until its ready path answers 200. */
export async function launch(c: Candidate): Promise<Proc> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, c.args, {
    env: { ...process.env, ...c.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${c.name} exited: ${stderr}`);
    const ok = await fetch(url + c.readyPath)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (performance.now() - t0 > 30_000) throw new Error(`${c.name} not ready after 30 s: ${stderr}`);
    await sleep(5);
  }
  const coldMs = performance.now() - t0;
  return {
    name: c.name,
    child,
    port,
    url,
    coldMs,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), sleep(5_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * What a process started with bench/heap-probe.js keeps alive: it is told to collect all garbage
 * (SIGUSR2) and answers in a file. Heap in use plus memory outside it (Buffers, native), in MB.
 */
export async function liveHeapMb(p: Proc, dir: string): Promise<number> {
  const file = join(dir, `${p.child.pid}.json`);
  rmSync(file, { force: true });
  p.child.kill('SIGUSR2');
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (existsSync(file)) {
      const m = JSON.parse(readFileSync(file, 'utf8')) as { heapUsed: number; external: number };
      return (m.heapUsed + m.external) / 2 ** 20;
    }
    await sleep(20);
  }
  return NaN;
}

/** Peak resident set size of a process so far (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * An evenly paced sender: request i goes at start + i/rate, whatever happened before (autocannon's
 * rate sends each second's requests in a burst). Latency counts from the scheduled time, so a
 * stalled server is not hidden (no coordinated omission).
 */
export async function paced(
  url: string,
  rate: number,
  seconds: number,
  body: () => string,
): Promise<{ latencies: number[]; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(url);
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let errors = 0;
  let done = 0;
  const start = performance.now() + 20;
  await new Promise<void>((resolve) => {
    const fire = (i: number) => {
      const scheduled = start + i * interval;
      const payload = body();
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors++;
            latencies.push(performance.now() - scheduled);
            if (++done === total) resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        if (++done === total) resolve();
      });
      req.end(payload);
    };
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) fire(next++);
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now() - 1));
    };
    setTimeout(tick, 20);
  });
  agent.destroy();
  return { latencies, errors };
}
