// Differential oracle for clerkguard's remote JWKS path: runs every request
// of a corpus (written by core/interop_jwks_test.go) through Clerk's own
// authenticateRequest from @clerk/backend with NO jwtKey, so Clerk fetches
// the key set from the case's own loopback Backend API (apiUrl), which the
// Go test serves: a good key set, a 5xx, a body that is not JSON, an
// unreachable port, a Clerk error, a key set without keys...
//
//   node interop/jwks.mjs <corpus.json> <results.json>
//
// The corpus is {now, cases: [{id, publishableKey, secretKey, apiUrl,
// method, url, headers, nodeHTTP}]}. Each case has its own apiUrl, so
// Clerk's module-wide JWKS cache (keyed by apiUrl, API version and secret
// key) never carries a key from one case to another, and the cases run
// concurrently: Clerk retries a failing JWKS fetch five times with backoff
// (about two seconds), which would make a sequential run slow.
//
// A case with nodeHTTP set is first sent as raw HTTP/1.1 (its headers one
// line each, in order) to a node:http server, and the Request Clerk sees is
// built from the IncomingMessage's headers, as Node frameworks do: that is
// how several Cookie lines reach Clerk in a Node server (node:http joins
// them with "; ", where the Fetch API's Headers would join them with ", ").
//
// The results have the shape of interop/authenticate.mjs's.
import { writeFileSync } from 'node:fs';
import { loadCorpus, sessionAuthFields } from './corpus.mjs';
import http from 'node:http';
import net from 'node:net';
import { createClerkClient } from '@clerk/backend';

const { corpus, outPath } = loadCorpus('jwks.mjs');
const authFields = sessionAuthFields;

// The node:http server that receives the nodeHTTP cases: it hands each
// request's headers (keyed by the x-jwks-case header) to the waiting case.
const waiting = new Map();
const server = http.createServer((req, res) => {
  const id = req.headers['x-jwks-case'];
  const resolve = waiting.get(id);
  waiting.delete(id);
  res.end('ok');
  if (resolve) resolve(req.headers);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

// viaNodeHTTP sends the case as raw bytes and returns the headers node:http
// parsed (a plain object, as IncomingMessage.headers).
function viaNodeHTTP(c) {
  const u = new URL(c.url);
  const lines = [`${c.method} ${u.pathname}${u.search} HTTP/1.1`];
  for (const [k, v] of c.headers) lines.push(`${k}: ${v}`);
  lines.push(`x-jwks-case: ${c.id}`, 'connection: close', '', '');
  return new Promise((resolve, reject) => {
    waiting.set(c.id, resolve);
    const s = net.connect(port, '127.0.0.1', () => s.write(lines.join('\r\n')));
    s.on('error', reject);
    s.resume();
  });
}

async function request(c) {
  if (!c.nodeHTTP) {
    return new Request(c.url, { method: c.method, headers: c.headers });
  }
  const parsed = await viaNodeHTTP(c);
  const headers = new Headers();
  for (const [k, v] of Object.entries(parsed)) {
    if (k === 'x-jwks-case' || k === 'connection') continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return new Request(c.url, { method: c.method, headers });
}

async function run(c) {
  const client = createClerkClient({
    secretKey: c.secretKey,
    publishableKey: c.publishableKey,
    apiUrl: c.apiUrl,
  });
  const req = await request(c);
  let state;
  try {
    state = await client.authenticateRequest(req, {
      publishableKey: c.publishableKey,
      secretKey: c.secretKey,
    });
  } catch (e) {
    return { id: c.id, threw: String(e?.message ?? e) };
  }
  const out = {
    id: c.id,
    status: state.status,
    reason: state.reason ?? '',
    message: state.message ?? '',
    tokenType: state.tokenType ?? '',
    isAuthenticated: !!state.isAuthenticated,
    token: state.token ?? '',
    headers: [...state.headers.entries()].filter(([k]) => k !== 'set-cookie'),
    setCookie: state.headers.getSetCookie(),
    cookieHeader: req.headers.get('cookie') ?? '',
  };
  if (state.status !== 'handshake') {
    try {
      const auth = state.toAuth();
      out.auth = {};
      for (const f of authFields) {
        const v = auth?.[f];
        out.auth[f] = v === undefined ? null : v;
      }
    } catch (e) {
      out.authThrew = String(e?.message ?? e);
    }
  }
  return out;
}

const results = await Promise.all(corpus.cases.map(run));
server.close();
writeFileSync(outPath, JSON.stringify({ node: process.version, results }));
