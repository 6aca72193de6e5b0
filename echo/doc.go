// Package clerkecho brings clerkguard's Clerk-compatible authentication to Echo v4.
//
// Import it with its alias:
//
//	clerkecho "github.com/clerkguard/clerkguard/echo"
//
// The middleware and Protect functions arrive with a later release; the
// verification core lives in github.com/clerkguard/clerkguard/core.
package clerkecho
