// Package clerktest provides utilities for testing code that uses clerkguard,
// in the spirit of net/http/httptest: signing keys, Clerk-shaped tokens, a
// loopback JWKS server and a settable clock. Nothing here reaches Clerk or the
// internet.
//
// # Keys and tokens
//
// A [Key] is an RSA key with a key ID, like the key of a Clerk instance. It
// mints tokens with any header and claims; the claims builders ([SessionV1],
// [SessionV2], [M2MClaims], [OAuthClaims]) produce realistic payloads:
//
//	key := clerktest.MustNewKey()
//	now := time.Now()
//	token := key.MustSign(
//		clerktest.SessionV2("user_123", "sess_123", now,
//			clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "org:admin",
//				Permissions: []string{"org:invoices:create"}})),
//		clerktest.WithCategory(clerktest.CategorySession))
//
// Header options forge what an attacker would send: [WithAlg]("none"),
// [WithAlg]("HS256") with [WithHMACSecret], an unknown [WithKID], a
// [WithRawHeader] that is not JSON, or a payload given as raw bytes.
//
// # Serving keys
//
// [NewJWKSServer] serves the keys as Clerk's Backend API does (GET /v1/jwks
// with the secret key) and as the Frontend API does
// (GET /.well-known/jwks.json), counts requests and can be made slow or
// failing:
//
//	sk := clerktest.SecretKey()
//	srv := clerktest.NewJWKSServer(t, sk, key)
//	c, err := clerk.New(clerk.Options{
//		SecretKey:      sk,
//		PublishableKey: clerktest.PublishableKey(clerktest.DefaultFrontendAPI),
//		APIURL:         srv.URL(),
//		Clock:          clerktest.NewClock(now).Now,
//	})
//
// Alternatively, put key.PublicKeyPEM() in Options.JWTKey to verify without
// any server.
//
// Keys, tokens, the JWKS server and the clock do not depend on the clerk
// package. The adapter conformance suite ([RunAdapterConformance]) does, so
// the package imports clerk and the core's own tests that use it are external
// tests (package clerk_test).
package clerktest
