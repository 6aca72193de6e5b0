// The judge for core/protect_interop_test.go: answers sign-in/up redirect
// locations with @clerk/backend's createRedirect, decorated as Next's
// clerkMiddleware does (serverRedirectWithAuth: with a development secret
// key, a cross-origin Location gets the __clerk_db_jwt cookie through
// @clerk/shared's setDevBrowserInURL), and authorization checks with
// @clerk/shared's createCheckAuthorization (the has() behind
// auth.protect(params)).
//
//   node protect.mjs <cases.json> <answers.json>
//
// Input: {"redirects": [{publishableKey, signInUrl, signUpUrl, isSatellite,
//           baseUrl, devBrowserToken (the cookie), returnBackUrl (string, or null; absent: the current URL,
//           as Next's middleware passes it),
//           devBrowserToken, sessionStatus, signUp}...],
//         "has": [{auth: {userId, orgId, orgRole, orgPermissions,
//           factorVerificationAge, features, plans}, params: {...}}...]}
// Output: {"node", "redirects": [{location} | {error}], "has": [{ok} | {error}]}
// in the same order.
import { readFileSync, writeFileSync } from "node:fs";
import { createRedirect } from "@clerk/backend/internal";
import { createCheckAuthorization } from "@clerk/shared/authorization";
import { setDevBrowserInURL } from "@clerk/shared/devBrowser";

const [, , inFile, outFile] = process.argv;
const input = JSON.parse(readFileSync(inFile, "utf8"));
const errMessage = (e) => (e instanceof Error ? e.message : String(e));

const redirects = input.redirects.map((c) => {
  try {
    const r = createRedirect({
      publishableKey: c.publishableKey,
      redirectAdapter: (url) => url,
      baseUrl: c.baseUrl,
      signInUrl: c.signInUrl || undefined,
      signUpUrl: c.signUpUrl || undefined,
      sessionStatus: c.sessionStatus || null,
      isSatellite: !!c.isSatellite,
    });
    // Next's middleware passes the current URL when the caller gives none.
    const params = { returnBackUrl: "returnBackUrl" in c ? c.returnBackUrl : new URL(c.baseUrl).toString() };
    let location = c.signUp ? r.redirectToSignUp(params) : r.redirectToSignIn(params);
    // serverRedirectWithAuth (packages/nextjs/src/utils): development secret
    // key (here: a development publishable key, the Go side pairs them) and
    // a Location on another origin.
    if (c.publishableKey.startsWith("pk_test_") && new URL(location).origin !== new URL(c.baseUrl).origin) {
      location = setDevBrowserInURL(new URL(location), c.devBrowserToken || "").href;
    }
    return { location };
  } catch (e) {
    return { error: errMessage(e) };
  }
});

const has = input.has.map((c) => {
  try {
    return { ok: createCheckAuthorization(c.auth)(c.params) };
  } catch (e) {
    return { error: errMessage(e) };
  }
});

writeFileSync(outFile, JSON.stringify({ node: process.version, redirects, has }));
