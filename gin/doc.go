// Package clerkgin brings Clerk's authentication to Gin
// (github.com/gin-gonic/gin). It renders the decisions of the
// framework-independent core; import both with their aliases:
//
//	clerk "github.com/clerkguard/clerkguard/core"
//	clerkgin "github.com/clerkguard/clerkguard/gin"
//
// # Quickstart
//
//	func main() {
//		client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
//		if err != nil {
//			log.Fatal(err)
//		}
//		r := gin.Default()
//		r.Use(clerkgin.Middleware(client))
//		r.GET("/", func(c *gin.Context) {
//			c.String(http.StatusOK, "hello, %s", clerkgin.Auth(c).UserID) // "" when signed out
//		})
//		r.GET("/admin", clerkgin.Protect(clerk.Role("org:admin")), func(c *gin.Context) {
//			c.String(http.StatusOK, "welcome, admin %s", clerkgin.Auth(c).UserID)
//		})
//		log.Fatal(r.Run(":8080"))
//	}
//
// # Middleware and Protect
//
// [Middleware] is Clerk's clerkMiddleware(): it authenticates every request
// (the Authorization header, or the __session cookie with Clerk's browser
// handshake) and stores the *clerk.Auth in the gin.Context and in the
// context of c.Request. It refuses nothing on its own: only Clerk's
// redirects (the handshake) and what a [WithHandler] handler decides stop a
// request. [Protect] is Clerk's auth.protect(): a handler for a route or a
// group (r.Group("/admin", clerkgin.Protect(...))) that lets through only
// requests whose Auth passes its options. Without Middleware before it,
// Protect answers 500: it fails closed.
//
// A refusal aborts the chain before anything is written (c.Abort), so the
// protected handler never runs and cannot replace the refusal's status, a
// known defect of adapters that write a 401 and return.
//
// [Auth](c) returns the Auth; clerk.AuthFromContext(c.Request.Context())
// returns the same one in net/http code (gin.WrapH, libraries that take a
// *http.Request).
//
// # Per-request options
//
// For multi-tenant applications pass clerk.PerRequest as the
// authenticator: it builds one client per distinct options, each with its
// own key cache (see the example of [Middleware]).
//
// # Paths
//
// Protect guards whatever path Gin sends to its route, so router tricks
// (case, "//", "%2F", "..", "%61") cannot reach a protected handler around
// it. Route matchers in the [WithHandler] form see the path the way Clerk
// does (decoded once, "//" collapsed, case-insensitive).
// clerktest.RunAdapterConformance checks a default gin.Engine against every
// such trick.
package clerkgin
