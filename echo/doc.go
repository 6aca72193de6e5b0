// Package clerkecho brings Clerk's authentication to Echo v4
// (github.com/labstack/echo/v4). It renders the decisions of the
// framework-independent core; import both with their aliases:
//
//	clerk "github.com/clerkguard/clerkguard/core"
//	clerkecho "github.com/clerkguard/clerkguard/echo"
//
// # Quickstart
//
//	func main() {
//		client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
//		if err != nil {
//			log.Fatal(err)
//		}
//		e := echo.New()
//		e.Use(clerkecho.Middleware(client))
//		e.GET("/", func(c echo.Context) error {
//			return c.String(http.StatusOK, "hello, "+clerkecho.Auth(c).UserID) // "" when signed out
//		})
//		e.GET("/admin", func(c echo.Context) error {
//			return c.String(http.StatusOK, "welcome, admin "+clerkecho.Auth(c).UserID)
//		}, clerkecho.Protect(clerk.Role("org:admin")))
//		e.Logger.Fatal(e.Start(":8080"))
//	}
//
// # Middleware and Protect
//
// [Middleware] is Clerk's clerkMiddleware(): it authenticates every request
// (the Authorization header, or the __session cookie with Clerk's browser
// handshake) and stores the *clerk.Auth in the context of c.Request(). It
// refuses nothing on its own: only Clerk's redirects (the handshake) and
// what a [WithHandler] handler decides stop a request. [Protect] is Clerk's
// auth.protect(): route or group middleware that lets through only requests
// whose Auth passes its options. Without Middleware before it, Protect
// answers 500: it fails closed.
//
// [Auth](c) returns the Auth; clerk.AuthFromContext(c.Request().Context())
// returns the same one in net/http code (echo.WrapHandler, libraries that
// take a *http.Request).
//
// # Errors the Echo way
//
// Refusals are returned, not written: an *echo.HTTPError with the
// decision's status, whose Internal is the *clerk.ProtectError (or the
// [WithHandler] error), after the decision's headers (Location,
// Retry-After, WWW-Authenticate, Set-Cookie) were set on the response. The
// application's HTTPErrorHandler renders it; Echo's default one sends the
// redirect with its Location, Clerk's reverification hint as is, and
// {"message":"Not Found"} and the like otherwise. [WithErrorHandler]
// replaces this per middleware.
//
// # Per-request options
//
// For multi-tenant applications pass clerk.PerRequest as the
// authenticator: it builds one client per distinct options, each with its
// own key cache (see the example of [Middleware]).
//
// # Paths
//
// Protect guards whatever path Echo sends to its route, so router tricks
// (case, "//", "%2F", "..", "%61") cannot reach a protected handler around
// it. Route matchers in the [WithHandler] form see the path the way Clerk
// does (decoded once, "//" collapsed, case-insensitive); Echo routes on
// URL.RawPath when it is set. clerktest.RunAdapterConformance checks a
// default echo.Echo against every such trick.
package clerkecho
