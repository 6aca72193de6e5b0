// Package clerkgin brings clerkguard's Clerk-compatible authentication to Gin.
//
// Import it with its alias:
//
//	clerkgin "github.com/clerkguard/clerkguard/gin"
//
// The middleware and Protect handlers arrive with a later release; the
// verification core lives in github.com/clerkguard/clerkguard/core.
package clerkgin
