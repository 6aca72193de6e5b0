// Package bench measures clerkguard against the raw RSA verification floor
// and its peers (golang-jwt, Clerk's Go SDK middleware, echo-jwt) in one
// `go test -bench` run. It is its own module so that the peers never enter a
// user's module graph; nothing imports it.
//
// Run `make bench` at the repository root for the table of ratios.
package bench
