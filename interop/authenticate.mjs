// Differential oracle for clerkguard's Authenticate: runs every request of a
// corpus (written by core/authenticate_interop_test.go) through Clerk's own
// authenticateRequest from @clerk/backend, on the corpus' frozen clock and
// networkless key, and writes what Clerk answered.
//
//   node interop/authenticate.mjs <corpus.json> <results.json>
//
// The corpus is {now, jwtKey, apiUrl, cases: [{id, instance, accepts,
// method, url, headers}]} with instance = {publishableKey, secretKey,
// domain, isSatellite, proxyUrl, signInUrl, satelliteAutoSync,
// authorizedParties, audience, organizationSyncOptions}. Backend API calls
// (handshake payloads, session refresh, machine-token verification) go to
// the loopback fake at apiUrl, which the Go test runs.
import { writeFileSync } from 'node:fs';
import { loadCorpus, sessionAuthFields } from './corpus.mjs';
import { createClerkClient } from '@clerk/backend';

const { corpus, outPath } = loadCorpus('authenticate.mjs');
const authFields = sessionAuthFields;

function optionsFor(inst, accepts) {
  const o = {
    publishableKey: inst.publishableKey,
    secretKey: inst.secretKey,
    jwtKey: corpus.jwtKey,
  };
  for (const k of ['domain', 'proxyUrl', 'signInUrl']) {
    if (inst[k]) o[k] = inst[k];
  }
  if (inst.isSatellite) o.isSatellite = true;
  if (inst.satelliteAutoSync) o.satelliteAutoSync = true;
  if (inst.authorizedParties?.length) o.authorizedParties = inst.authorizedParties;
  if (inst.audience?.length) o.audience = inst.audience;
  if (inst.organizationSyncOptions) o.organizationSyncOptions = inst.organizationSyncOptions;
  if (accepts !== undefined && accepts !== null) o.acceptsToken = accepts;
  return o;
}

async function run(c) {
  const inst = corpus.instances[c.instance];
  const client = createClerkClient({
    secretKey: inst.secretKey,
    publishableKey: inst.publishableKey,
    jwtKey: corpus.jwtKey,
    apiUrl: corpus.apiUrl,
  });
  const req = new Request(c.url, { method: c.method, headers: c.headers });
  let state;
  try {
    state = await client.authenticateRequest(req, optionsFor(inst, c.accepts));
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

const results = [];
for (const c of corpus.cases) {
  results.push(await run(c));
}
writeFileSync(outPath, JSON.stringify(results));
