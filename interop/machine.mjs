// Differential oracle for clerkguard's machine-token dispatch (issue 7):
// runs every case of a corpus (written by core/machine_interop_test.go)
// through Clerk's own authenticateRequest from @clerk/backend, against the
// same loopback Clerk instance (clerkdev: verify endpoints, JWKS) on the
// same frozen clock, and writes what Clerk answered.
//
//   node interop/machine.mjs <corpus.json> <results.json>
//
// Corpus: {now, instances: {name: {apiUrl, publishableKey, secretKey,
// machineSecretKey, authorizedParties, audience}}, protects: [acceptsToken...],
// cases: [{id, instance, accepts, token, protect}]}; accepts is null (the
// default, session_token), a type, "any" or a list. For cases with protect
// set, the request state's auth object is narrowed for each protects entry
// with Clerk's getAuthObjectForAcceptedToken and judged with auth.protect()'s
// decision tree (spec §5.2, transcribed from @clerk/nextjs protect.ts, which
// is not in @clerk/backend).
import { writeFileSync } from 'node:fs';
import { loadCorpus } from './corpus.mjs';
import { createClerkClient } from '@clerk/backend';
import { getAuthObjectForAcceptedToken } from '@clerk/backend/internal';

const { corpus, outPath } = loadCorpus('machine.mjs');

const authFields = ['tokenType', 'isAuthenticated', 'id', 'subject', 'scopes', 'name', 'claims',
  'userId', 'orgId', 'machineId', 'clientId'];
const debugHeaders = ['x-clerk-auth-status', 'x-clerk-auth-reason', 'x-clerk-auth-message'];

const clients = {};
function clientFor(name) {
  const inst = corpus.instances[name];
  clients[name] ??= createClerkClient({
    secretKey: inst.secretKey,
    publishableKey: inst.publishableKey,
    apiUrl: inst.apiUrl,
    machineSecretKey: inst.machineSecretKey || undefined,
  });
  return clients[name];
}

function optionsFor(inst, accepts) {
  const o = {
    publishableKey: inst.publishableKey,
    secretKey: inst.secretKey,
  };
  if (inst.machineSecretKey) o.machineSecretKey = inst.machineSecretKey;
  if (inst.authorizedParties?.length) o.authorizedParties = inst.authorizedParties;
  if (inst.audience?.length) o.audience = inst.audience;
  if (accepts !== null && accepts !== undefined) o.acceptsToken = accepts;
  return o;
}

function fields(auth) {
  const out = {};
  for (const f of authFields) {
    const v = auth?.[f];
    out[f] = v === undefined ? null : v;
  }
  return out;
}

const accepted = (tokenType, accepts) =>
  !!tokenType && (accepts === 'any' || (Array.isArray(accepts) ? accepts : [accepts]).includes(tokenType));

// auth.protect({ token }) without other parameters (spec §5.2):
// 'pass', '401', or 'session' (a session failure: sign-in redirect or 404).
function protectOutcome(raw, token) {
  const auth = getAuthObjectForAcceptedToken({ authObject: raw, acceptsToken: token });
  const unauthorized = () =>
    auth.tokenType !== 'session_token' || !accepted('session_token', token) ? '401' : 'session';
  let outcome;
  if (!accepted(auth.tokenType, token)) outcome = unauthorized();
  else if (auth.tokenType !== 'session_token') outcome = auth.isAuthenticated ? 'pass' : unauthorized();
  else if (auth.sessionStatus === 'pending' || !auth.userId) outcome = 'session';
  else outcome = 'pass';
  return { tokenType: auth.tokenType ?? '', isAuthenticated: !!auth.isAuthenticated, outcome };
}

async function run(c) {
  const inst = corpus.instances[c.instance];
  const headers = c.token ? { authorization: `Bearer ${c.token}` } : {};
  const req = new Request('http://localhost:3000/api/things', { headers });
  let state;
  try {
    state = await clientFor(c.instance).authenticateRequest(req, optionsFor(inst, c.accepts));
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
    headers: Object.fromEntries(debugHeaders.map((h) => [h, state.headers.get(h) ?? ''])),
  };
  try {
    const auth = state.toAuth();
    out.auth = fields(auth);
    out.getToken = (await auth.getToken()) ?? '';
    if (c.protect) out.protects = corpus.protects.map((p) => protectOutcome(auth, p));
  } catch (e) {
    out.authThrew = String(e?.message ?? e);
  }
  return out;
}

const results = [];
for (const c of corpus.cases) {
  results.push(await run(c));
}
writeFileSync(outPath, JSON.stringify({ node: process.version, results }));
