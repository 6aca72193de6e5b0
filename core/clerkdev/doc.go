// Package clerkdev runs an offline, Clerk-compatible development instance
// on loopback: the parts of Clerk's Backend API and Frontend API that
// clerkguard (and Clerk's own SDKs) call, with in-memory demo users,
// organizations, sessions and machine tokens. The examples start one when no
// Clerk keys are configured; tests use it to exercise the handshake, session
// refresh, token templates and machine tokens without the internet.
//
// It is for development and tests only. It runs only when constructed
// explicitly with [Start] or [NewTestInstance], listens on 127.0.0.1 only,
// and its keys are development keys (pk_test_, sk_test_) naming its own
// loopback address, which no production deployment would use.
//
// # Pointing an application at it
//
//	inst, err := clerkdev.Start(clerkdev.Config{})
//	if err != nil { ... }
//	defer inst.Close()
//	s := inst.Settings()
//	c, err := clerk.New(clerk.Options{
//		PublishableKey: s.PublishableKey, // pk_test_ + base64("127.0.0.1:<port>$")
//		SecretKey:      s.SecretKey,
//		APIURL:         s.APIURL,    // the instance serves the Backend API
//		ProxyURL:       s.ProxyURL,  // and the Frontend API, over http
//		SignInURL:      s.SignInURL, // its sign-in page
//		SignUpURL:      s.SignUpURL,
//	})
//
// ProxyURL matters: Clerk's SDKs build the handshake URL with https:// unless
// the Frontend API (the proxy URL when set) already starts with "http".
// With SignInURL set, an application sends signed-out browsers to the
// instance's sign-in page, which lists the demo users; signing in sends the
// browser through the handshake back to the application, which then holds
// its session cookies.
//
// # What it serves
//
// Backend API (all require "Authorization: Bearer <secret key>"; errors use
// Clerk's JSON, {"errors":[{"message","long_message","code"}],"clerk_trace_id"}):
//
//	GET  /v1/jwks                                 the key set
//	GET  /v1/clients/handshake_payload?nonce=     {"directives":[Set-Cookie...]}; a nonce is good once, for 60 s
//	POST /v1/sessions/{sid}/refresh               {"object":"cookies","cookies":[...]}
//	POST /v1/sessions/{sid}/tokens                {"object":"token","jwt":...}
//	POST /v1/sessions/{sid}/tokens/{template}     a JWT-template token (cat cl_B7d4PD222AAA)
//	GET  /v1/users/{id}, /v1/organizations/{id}   small user and organization objects
//	POST /api_keys/verify                         {"secret":"ak_..."}       (no /v1)
//	POST /m2m_tokens/verify                       {"token":"mt_..."}        (machine secret key accepted too)
//	POST /oauth_applications/access_tokens/verify {"access_token":"oat_..."}
//
// Frontend API and pages (no key):
//
//	GET  /v1/client/handshake        issues the application's cookies and redirects back
//	GET  /.well-known/jwks.json      the key set
//	GET  /                           the instance's settings
//	GET  /sign-in, POST /sign-in     demo users, "Sign in as ..."
//	GET  /sign-up, POST /sign-up     creates a user
//	GET  /organizations, POST ...    organization switcher
//	GET  /sign-out, POST /sign-out   signs the browser out
//
// Development endpoints for curl and tests (secret key required):
//
//	POST /__dev/sessions             {"user_id","organization","token_version","expires_in_seconds","pending","authorized_party","claims"}
//	POST /__dev/sessions/{sid}/end
//	POST /__dev/api_keys             {"subject","name","scopes","expires_in_seconds","claims"}
//	POST /__dev/m2m_tokens           {"machine_id","scopes","expires_in_seconds","claims","format":"opaque"|"jwt"}
//	POST /__dev/oauth_tokens         {"user_id","client_id","scopes","expires_in_seconds","format"}
//	POST /__dev/tokens/revoke        {"token","reason"}
//	POST /__dev/tokens/expire        {"token"}
//
// [Instance.Requests] counts requests by path or by the patterns above.
//
// # The handshake
//
// The browser's identity on the instance (Clerk's "client") is the
// instance's own HttpOnly cookie __clerkdev_client_<suffix>, or, when the
// browser has none yet, the dev-browser token (__clerk_db_jwt) the
// application sends. A handshake issues Set-Cookie directives for the
// application's origin, which the application forwards verbatim (no Domain,
// no Secure, SameSite=Lax):
//
//	__session=<session token>; Path=/; SameSite=Lax
//	__client_uat=<unix seconds>; Path=/; Max-Age=315360000; SameSite=Lax
//	__clerk_db_jwt=<dev browser>; Path=/; Max-Age=315360000; SameSite=Lax
//	__refresh_<suffix>=<refresh token>; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax
//
// With suffixed_cookies=true the first three also come as <name>_<suffix>.
// When signed out: __session cleared (Max-Age=0), __client_uat=0, the
// dev-browser cookie, and __refresh_<suffix> cleared. With format=nonce the
// directives are stored under a nonce and the browser is redirected (307) to
// redirect_url with __clerk_handshake_nonce=<nonce>; the application fetches
// them from GET /v1/clients/handshake_payload. redirect_url must be an
// http(s) URL on a loopback host.
//
// Session tokens are signed RS256 with the instance key, carry the session
// category and "iss" = the instance URL (so that clerkguard and Clerk's SDK
// recognise them as the instance's own), "azp" = the application's origin,
// and the version 2 claims by default (Config.SessionTokenVersion).
package clerkdev
