// Anchor: the HTTP ceiling. Raw restify answering 200 on the same route, body parsed.
'use strict';
const restify = require('restify');

const server = restify.createServer({ name: 'raw' });
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (_req, res) => res.send(200));
server.get('/healthz', async (_req, res) => res.send(200, { status: 'ok' }));
server.listen(Number(process.env.PORT || 3980), '127.0.0.1', () => process.stdout.write('ready\n'));
