// Package clerk is the framework-independent core of clerkguard: Clerk-compatible
// session-token verification, the Auth object with Has and Protect, route
// matchers, organization sync, machine tokens and the browser (cookie and
// handshake) flow.
//
// The core decides and never writes a response; the adapters (clerkgin,
// clerkecho, clerkchi, clerkfiber) render its decisions.
//
// # Getting started
//
//	c, err := clerk.New(clerk.Options{
//		SecretKey:         os.Getenv("CLERK_SECRET_KEY"),
//		PublishableKey:    os.Getenv("CLERK_PUBLISHABLE_KEY"),
//		AuthorizedParties: []string{"https://example.com"},
//	})
//
// or, reading Clerk's environment variables, [NewFromEnv].
package clerk
