// Package clerkfiber brings clerkguard's Clerk-compatible authentication to Fiber v3.
//
// Import it with its alias:
//
//	clerkfiber "github.com/clerkguard/clerkguard/fiber"
//
// The middleware and Protect handlers arrive with a later release; the
// verification core lives in github.com/clerkguard/clerkguard/core.
package clerkfiber
