// Package clerkchi brings clerkguard's Clerk-compatible authentication to
// net/http: chi, http.ServeMux and any router built on http.Handler.
//
// Import it with its alias:
//
//	clerkchi "github.com/clerkguard/clerkguard/chi"
//
// The middleware and Protect functions arrive with a later release; the
// verification core lives in github.com/clerkguard/clerkguard/core.
package clerkchi
