// Package clerkfiber brings Clerk's authentication to Fiber v3
// (github.com/gofiber/fiber/v3). It renders the decisions of the
// framework-independent core; import both with their aliases:
//
//	clerk "github.com/clerkguard/clerkguard/core"
//	clerkfiber "github.com/clerkguard/clerkguard/fiber"
//
// # Quickstart
//
//	func main() {
//		client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
//		if err != nil {
//			log.Fatal(err)
//		}
//		app := fiber.New()
//		app.Use(clerkfiber.Middleware(client))
//		app.Get("/", func(c fiber.Ctx) error {
//			return c.SendString("hello, " + clerkfiber.Auth(c).UserID) // "" when signed out
//		})
//		app.Get("/admin", clerkfiber.Protect(clerk.Role("org:admin")), func(c fiber.Ctx) error {
//			return c.SendString("welcome, admin " + clerkfiber.Auth(c).UserID)
//		})
//		log.Fatal(app.Listen(":8080"))
//	}
//
// # Middleware and Protect
//
// [Middleware] is Clerk's clerkMiddleware(): it authenticates every request
// (the Authorization header, or the __session cookie with Clerk's browser
// handshake) and stores the *clerk.Auth in c.Locals and in c.Context(). It
// refuses nothing on its own: only Clerk's redirects (the handshake) and
// what a [WithHandler] handler decides stop a request. [Protect] is Clerk's
// auth.protect(): a handler for a route or a group
// (app.Group("/admin", clerkfiber.Protect(...))) that lets through only
// requests whose Auth passes its options. Without Middleware before it,
// Protect answers 500: it fails closed.
//
// [Auth](c) returns the Auth. clerk.AuthFromContext returns the same one
// for c.Context(), for c itself and, in net/http handlers behind Fiber's
// adaptor.HTTPHandler, for r.Context().
//
// # fasthttp's buffers
//
// fasthttp reuses a request's memory once the handler returns. The core
// sees the request through a view that copies what it reads (method, path,
// query, host, each header), so nothing the Auth keeps points into those
// buffers; once the middleware has returned, the view reads nothing more.
//
// # Per-request options
//
// For multi-tenant applications pass clerk.PerRequest as the
// authenticator: it builds one client per distinct options, each with its
// own key cache (see the example of [Middleware]).
//
// # Paths
//
// Fiber routes case-insensitively and ignores trailing slashes by default,
// on the path as the client sent it. Protect guards whatever path Fiber
// sends to its route, so such tricks cannot reach a protected handler
// around it; route matchers in the [WithHandler] form see that same path
// the way Clerk does (decoded once, "//" collapsed, case-insensitive).
// clerktest.RunAdapterConformance checks a default fiber.App against every
// such trick.
package clerkfiber
