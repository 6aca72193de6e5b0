// Generates clerk_keys_vectors.json by running Clerk's own @clerk/shared
// (the judge) on hand-written and pseudo-random inputs. keys_test.go checks
// ParsePublishableKey, CookieSuffix, accountsBaseURL and the secret-key
// helpers against the file; Go tests never need Node.
//
//   npm install @clerk/shared@4.41.0
//   node clerk_keys_vectors.gen.js <path to node_modules/@clerk/shared> > clerk_keys_vectors.json
const path = require('path');
const shared = process.argv[2];
const keys = require(path.join(shared, 'dist/keys.js'));
const { buildAccountsBaseUrl } = require(path.join(shared, 'dist/buildAccountsBaseUrl.js'));
const version = require(path.join(shared, 'package.json')).version;

// Deterministic PRNG (mulberry32) so the file is reproducible.
let seed = 0x5eed;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const b64 = (s) => Buffer.from(s, 'latin1').toString('base64');

const hosts = [
  'clerk.clerk.dev', 'clerk.example.com', 'happy-hippo-1.clerk.accounts.dev',
  'clerk.included.katydid-92.lcl.dev', 'enough-alpaca-82.clerk.accounts.lclclerk.com',
  'a.b', '.', 'localhost', 'ab', 'clerk.accountsstage.dev', 'x$.y', '$a.b', 'exa\u00e9mple.com',
  'clerk.inspired.puma-74.lcl.dev', 'foo.bar.baz.qux', '', 'a b.c', 'a\u0000.b',
];
const prefixes = ['pk_test_', 'pk_live_', 'pk_Test_', 'sk_test_', 'pk_', 'pk_test', '', 'test_', 'pk_live__'];

const pkInputs = [
  '', 'pk_test_', 'pk_live_', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA', 'pk_live_Y2xlcmsuY2xlcmsuZGV2JA',
  'pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA',
  'pk_test_ZW5vdWdoLWFscGFjYS04Mi5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k',
  'pk_test_Y2xlcmsuY2xlcmsuZGV2JA==', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA=', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA===',
  'pk_test_Y2xlcmsuY2xlcmsuZGV2J', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JB', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA\n',
  'pk_test_Y2xlcmsuY2xlcmsuZGV2JA ', ' pk_test_Y2xlcmsuY2xlcmsuZGV2JA', 'pk_test_Y2xlcmsu Y2xlcmsuZGV2JA',
  'pk_test_Y2xlcmsuY2xlcmsuZGV2JA=\t=', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA\u000b', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA\u00a0',
  'pk_test_Y2xlcmsuY2xlcmsuZGV2JA_', 'pk_test__Y2xlcmsuY2xlcmsuZGV2JA', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA-',
  'pk_test_!!!!', 'pk_test_Zm9vJA', 'pk_test_LiQ', 'pk_test_JA', 'pk_test_=', 'pk_test_====', 'pk_test_A',
  'PK_TEST_Y2xlcmsuY2xlcmsuZGV2JA', 'pk_Live_Y2xlcmsuY2xlcmsuZGV2JA', 'sk_test_Y2xlcmsuY2xlcmsuZGV2JA',
  'test_Y2xlcmsuY2xlcmsuZGV2JA', 'pk_test_6S5iJA', 'pk_test_YS5iJCQ', 'pk_test_JC5iJA',
];
for (const h of hosts) {
  for (const p of ['pk_test_', 'pk_live_']) {
    pkInputs.push(p + b64(h + '$'), p + b64(h + '$').replace(/=+$/, ''), p + b64(h));
  }
}
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\n_-$.';
for (let i = 0; i < 400; i++) {
  let enc = b64(pick(hosts) + pick(['$', '$', '$', '$$', '', '$x']));
  if (rnd() < 0.5) enc = enc.replace(/=+$/, '');
  const n = Math.floor(rnd() * 3);
  for (let j = 0; j < n; j++) {
    const at = Math.floor(rnd() * (enc.length + 1));
    const op = rnd();
    if (op < 0.4) enc = enc.slice(0, at) + pick(alphabet) + enc.slice(at);
    else if (op < 0.7) enc = enc.slice(0, at) + enc.slice(at + 1);
    else enc = enc.slice(0, at) + pick(alphabet) + enc.slice(at + 1);
  }
  pkInputs.push((rnd() < 0.85 ? pick(['pk_test_', 'pk_live_']) : pick(prefixes)) + enc);
}

const errorNames = {};
const publishable = [...new Set(pkInputs)].map((key) => {
  try {
    const r = keys.parsePublishableKey(key, { fatal: true });
    if (keys.parsePublishableKey(key) === null || !keys.isPublishableKey(key)) throw new Error('judge disagrees with itself');
    return { key, instanceType: r.instanceType, frontendApi: r.frontendApi };
  } catch (e) {
    if (keys.parsePublishableKey(key) !== null) throw new Error('judge disagrees with itself');
    let name = { 'Publishable key is missing.': 'missing', 'Publishable key not valid (expected format: pk_test_... or pk_live_...).': 'invalid' }[e.message.split('\n')[0]];
    if (!name) throw new Error('unknown message: ' + e.message);
    errorNames[name] = e.message;
    return { key, error: name };
  }
});

const accountsInputs = [
  '', 'clerk.included.katydid-92.lcl.dev', 'foo-bar-13.clerk.accounts.dev', 'clerk.accountsstage.dev',
  'clerk.accountsstage.clerk.dev', 'a.clerk.b.clerk.c', 'example.com', 'clerk.accounts.clerk.accounts.dev',
  'xclerk.example.com', 'clerk.clerk.dev', 'CLERK.example.com', 'clerk.accounts.accountsstage.dev',
  'clerk.accountsstage.accounts.dev', 'clerk.example.com', 'clerkXexample.com', 'clerk.', 'clerk.accounts.',
  'accountsstage.clerk.accountsstage.x', 'happy-hippo-1.clerk.accounts.lclclerk.com',
];
const accounts = accountsInputs.map((host) => ({ host, url: buildAccountsBaseUrl(host) }));

const secretInputs = ['sk_test_abc', 'sk_live_abc', 'test_abc', 'live_abc', 'sk_abc', '', 'SK_TEST_x', 'pk_test_x', 'sk_test_', 'xsk_test_'];
const secretKeys = secretInputs.map((key) => ({
  key, development: keys.isDevelopmentFromSecretKey(key), production: keys.isProductionFromSecretKey(key),
}));

(async () => {
  const suffixInputs = [
    'pk_live_Y2xlcmsuY2xlcmsuZGV2JA', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA',
    'pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA',
    'pk_test_ZW5vdWdoLWFscGFjYS04Mi5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k',
    '', 'x', 'pk_test_Y2xlcmsuY2xlcmsuZGV2JA\n', 'h\u00e9llo', ...publishable.slice(40, 80).map((v) => v.key),
  ];
  const cookieSuffix = [];
  for (const key of suffixInputs) cookieSuffix.push({ key, suffix: await keys.getCookieSuffix(key) });
  const build = hosts.filter((h) => /^[\x00-\x7f]*$/.test(h)).map((host) => ({ host, key: keys.buildPublishableKey(host) }));
  process.stdout.write(JSON.stringify({
    judge: '@clerk/shared@' + version, errors: errorNames, publishable, cookieSuffix, accounts, secretKeys, build,
  }, null, 1) + '\n');
})();
