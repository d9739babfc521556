// Anchor: a bare echo bot on the same stack as Värna (restify + TeamsAdapter + teams-ai
// Application), MemoryStorage, replying with the text. Unauthenticated, like Värna's local mode.
'use strict';
const restify = require('restify');
const { MemoryStorage } = require('botbuilder');
const { Application, TeamsAdapter } = require('@microsoft/teams-ai');

const adapter = new TeamsAdapter({});
const app = new Application({ adapter, storage: new MemoryStorage(), startTypingTimer: false, longRunningMessages: false });
app.activity('message', async (ctx) => {
  await ctx.sendActivity(ctx.activity.text);
});

const server = restify.createServer({ name: 'echo' });
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (ctx) => app.run(ctx));
});
server.get('/healthz', async (_req, res) => res.send(200, { status: 'ok' }));
server.listen(Number(process.env.PORT || 3979), '127.0.0.1', () => process.stdout.write('ready\n'));
