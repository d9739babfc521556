// Preloaded into every B1/B4 candidate (`node --expose-gc -r ./bench/heap-probe.js …`): on SIGUSR2
// it collects all garbage and writes what stays alive to BENCH_HEAP_DIR/<pid>.json. Peak RSS says
// how far V8 let the heap grow under the allocation rate; this says what the process keeps. Bench
// only: nothing of it is in Värna.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_HEAP_DIR;
if (dir && typeof global.gc === 'function') {
  process.on('SIGUSR2', () => {
    global.gc();
    global.gc();
    const m = process.memoryUsage();
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }));
  });
}
