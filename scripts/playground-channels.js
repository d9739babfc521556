// Preloaded into the Microsoft 365 Agents Playground by `npm run dev` and `npm run ui-check`
// (`node -r ./scripts/playground-channels.js …/m365agentsplayground/cli.js`): lets its team have
// the two channels an intake unit has, Anmälningar and Konsultationer (.m365agentsplayground.yml,
// the ids of config/example.yaml). The Playground itself shows, stores and posts to any number of
// channels; only its config schema allows one besides General. This raises that limit in the
// schema as the bundle is loaded, nothing else. A Playground without that text (a newer one) is
// loaded unchanged and says itself whether it accepts the file (tests/dev/dev.test.ts starts it
// with this file and finds both channels).
'use strict';
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const BUNDLE = join(__dirname, '..', 'node_modules', '@microsoft', 'm365agentsplayground', 'dist', 'index.js');
const ONE_CHANNEL = '"maxItems":1,"items":{"$ref":"#/$defs/Channel"}';
const CHANNELS = '"maxItems":4,"items":{"$ref":"#/$defs/Channel"}';

const load = Module._extensions['.js'];
Module._extensions['.js'] = function (module, filename) {
  if (filename !== BUNDLE) return load(module, filename);
  module._compile(readFileSync(filename, 'utf8').replace(ONE_CHANNEL, CHANNELS), filename);
};
