// The preamble the corpus scripts (authenticate.mjs, jwks.mjs, machine.mjs)
// share: read the corpus the Go test wrote, freeze Clerk's clock at its
// "now", and silence Clerk's console (its warnings are not compared).
import { readFileSync } from 'node:fs';

// loadCorpus reads `node <script> <corpus.json> <results.json>` and returns
// the corpus and the results path. Clerk reads time only through Date.now()
// (retry backoff waits on real timers, which this does not affect).
export function loadCorpus(script) {
  const [, , corpusPath, outPath] = process.argv;
  if (!corpusPath || !outPath) {
    console.error(`usage: node ${script} <corpus.json> <results.json>`);
    process.exit(2);
  }
  const corpus = JSON.parse(readFileSync(corpusPath, 'utf8'));
  Date.now = () => corpus.now;
  for (const k of ['log', 'warn', 'error', 'info', 'debug']) console[k] = () => {};
  return { corpus, outPath };
}

// sessionAuthFields are the session auth object's fields the tests compare.
export const sessionAuthFields = [
  'tokenType',
  'isAuthenticated',
  'userId',
  'sessionId',
  'sessionStatus',
  'orgId',
  'orgRole',
  'orgSlug',
  'orgPermissions',
];
