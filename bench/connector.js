// A fast Bot Connector stand-in for the benchmarks: answers every send at once. With THROTTLE=1
// it enforces Teams-like limits (per conversation 7 a second and 60 per 30 seconds; 50 a second in
// all) and answers 429 with Retry-After beyond them, as Teams does. GET /stats reports what it saw.
'use strict';
const http = require('node:http');

const throttle = process.env.THROTTLE === '1';
const WINDOWS = [[1000, 7], [30000, 60]];
const GLOBAL = [1000, 50];
let accepted = [];
let perConversation = new Map();
let refused = 0;
let seq = 0;

function allowed(conversation, now) {
  if (!throttle) return true;
  const inWindow = (list, ms) => list.filter((t) => t > now - ms).length;
  if (inWindow(accepted.slice(-GLOBAL[1]), GLOBAL[0]) >= GLOBAL[1]) return false;
  const mine = perConversation.get(conversation) || [];
  for (const [ms, max] of WINDOWS) if (inWindow(mine.slice(-max), ms) >= max) return false;
  return true;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: accepted.length, refused, first: accepted[0], last: accepted[accepted.length - 1] }));
      return;
    }
    if (req.method === 'POST' && req.url === '/reset') {
      accepted = [];
      perConversation = new Map();
      refused = 0;
      res.writeHead(200);
      res.end();
      return;
    }
    const path = decodeURIComponent(req.url || '');
    // Membership checks (intake actions): everyone asked about is a member of the team.
    const member = /^\/v3\/conversations\/[^/]+\/members\/([^/?]+)/.exec(path);
    if (req.method === 'GET' && member) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: member[1], aadObjectId: member[1].replace(/^29:/, ''), name: 'Bench Mottagning' }));
      return;
    }
    const m = /^\/v3\/conversations\/([^/]+)\/activities/.exec(path);
    const conversation = m ? m[1] : '';
    const now = Date.now();
    if (!allowed(conversation, now)) {
      refused++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'Throttled', message: 'too many requests' } }));
      return;
    }
    if (throttle) {
      accepted.push(now);
      const mine = perConversation.get(conversation) || [];
      mine.push(now);
      perConversation.set(conversation, mine.slice(-60));
      if (accepted.length > 10000) accepted = accepted.slice(-5000);
    } else accepted.length = accepted.length; // counting only
    res.writeHead(200, { 'content-type': 'application/json' });
    // A new conversation (a thread in a channel) answers with its id and the first activity's.
    if (req.method === 'POST' && /^\/v3\/conversations\/?$/.test(path)) res.end(JSON.stringify({ id: `bench-conversation-${++seq}`, activityId: `act-${seq}` }));
    else res.end(JSON.stringify({ id: `act-${++seq}` }));
  });
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
