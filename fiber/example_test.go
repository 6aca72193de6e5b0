package clerkfiber_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/gofiber/fiber/v3"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
	clerkfiber "github.com/clerkguard/clerkguard/fiber"
)

// The quickstart of the README: every request authenticated, /admin for
// organization admins only.
func Example() {
	client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(clerkfiber.Middleware(client))
	app.Get("/", func(c fiber.Ctx) error {
		return c.SendString("hello, " + clerkfiber.Auth(c).UserID) // "" when signed out
	})
	app.Get("/admin", clerkfiber.Protect(clerk.Role("org:admin")), func(c fiber.Ctx) error {
		return c.SendString("welcome, admin " + clerkfiber.Auth(c).UserID)
	})
	log.Fatal(app.Listen(":8080"))
}

// The handler form (Clerk's clerkMiddleware(handler)): one rule protects
// every /admin route, whichever group registers it.
func ExampleMiddleware() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
	app := fiber.New()
	app.Use(clerkfiber.Middleware(client, clerkfiber.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		ok, err := isAdmin.Match(req)
		if err != nil || !ok {
			return err // nil, or a 400 for a malformed path
		}
		return auth.Protect(clerk.Role("org:admin"))
	})))
	app.Get("/admin/users", func(c fiber.Ctx) error {
		return c.SendString("users of " + clerkfiber.Auth(c).OrgSlug)
	})
	log.Fatal(app.Listen(":8080"))
}

// Multi-tenant keys: clerk.PerRequest passed as the authenticator chooses
// the options from the request (here the Host) and keeps one client, with
// its own key cache, per tenant.
func ExampleMiddleware_perRequest() {
	tenants := map[string]clerk.Options{
		"acme.example.com":   {SecretKey: os.Getenv("ACME_CLERK_SECRET_KEY"), PublishableKey: os.Getenv("ACME_CLERK_PUBLISHABLE_KEY")},
		"globex.example.com": {SecretKey: os.Getenv("GLOBEX_CLERK_SECRET_KEY"), PublishableKey: os.Getenv("GLOBEX_CLERK_PUBLISHABLE_KEY")},
	}
	auth := clerk.PerRequest(func(req clerk.Request) (clerk.Options, error) {
		o, ok := tenants[req.URL().Hostname()]
		if !ok {
			return clerk.Options{}, fmt.Errorf("unknown tenant %q", req.URL().Hostname())
		}
		return o, nil
	}, 0)
	app := fiber.New()
	app.Use(clerkfiber.Middleware(auth))
	app.Get("/me", clerkfiber.Protect(), func(c fiber.Ctx) error { return c.SendString(clerkfiber.Auth(c).UserID) })
	log.Fatal(app.Listen(":8080"))
}

// Protect on a route and on a group: each route is only as open as the
// Protect in front of it.
func ExampleProtect() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(clerkfiber.Middleware(client))
	app.Get("/me", clerkfiber.Protect(), func(c fiber.Ctx) error { return c.SendString(clerkfiber.Auth(c).UserID) })
	billing := app.Group("/billing", clerkfiber.Protect(clerk.Permission("org:invoices:create"), clerk.UnauthorizedURL("/no-access")))
	billing.Post("/invoices", func(c fiber.Ctx) error { return c.SendStatus(http.StatusCreated) })
	// Machine-to-machine: 401 for anything but a valid M2M token.
	app.Post("/webhooks/sync", clerkfiber.Protect(clerk.AcceptsToken(clerk.M2MToken)), func(c fiber.Ctx) error {
		return c.SendStatus(http.StatusNoContent)
	})
	log.Fatal(app.Listen(":8080"))
}

// Decisions rendered as JSON for an API, while redirects keep their
// Location and 503s their Retry-After.
func ExampleWithErrorHandler() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	asJSON := clerkfiber.WithErrorHandler(func(c fiber.Ctx, d *clerk.Decision) error {
		if d.Status < 400 || d.Header.Get("Content-Type") == "application/json" {
			return clerkfiber.DefaultErrorHandler(c, d) // redirects, Clerk's reverification hint
		}
		for _, h := range []string{"Retry-After", "WWW-Authenticate"} {
			if v := d.Header.Get(h); v != "" {
				c.Set(h, v)
			}
		}
		return c.Status(d.Status).JSON(fiber.Map{"error": http.StatusText(d.Status)})
	})
	app := fiber.New()
	app.Use(clerkfiber.Middleware(client, asJSON))
	app.Get("/api/me", clerkfiber.Protect(), func(c fiber.Ctx) error { return c.JSON(fiber.Map{"user": clerkfiber.Auth(c).UserID}) })
	log.Fatal(app.Listen(":8080"))
}

// Middleware and Protect answering two requests through app.Test: a signed-in
// session token reaches the handler, a request without one is refused with
// Clerk's 404. The instance is networkless: its token key is given as
// JWTKey, and clerktest signs the token a browser would send.
func ExampleProtect_signedInAndOut() {
	key := clerktest.MustNewKey()
	client, err := clerk.New(clerk.Options{
		PublishableKey: clerktest.LivePublishableKey("clerk.example.com"),
		JWTKey:         key.PublicKeyPEM(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	app := fiber.New()
	app.Use(clerkfiber.Middleware(client))
	app.Get("/me", clerkfiber.Protect(), func(c fiber.Ctx) error {
		return c.SendString("hello, " + clerkfiber.Auth(c).UserID)
	})

	token := key.MustSign(clerktest.SessionV2("user_1", "sess_1", time.Now()))
	for _, authorization := range []string{"Bearer " + token, ""} {
		req := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := app.Test(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	// Output:
	// 200 hello, user_1
	// 404 Not Found
}
