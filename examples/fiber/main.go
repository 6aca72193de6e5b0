// Command fiber is an example API protected by clerkguard on Fiber v3.
//
//	go run ./examples/fiber
//
// With no CLERK_ variable in the environment it starts an offline Clerk
// development instance and prints URLs and curl lines to try; with
// CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY it uses that Clerk instance
// (only one of them set is an error, never the development instance).
package main

import (
	"log"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/recover"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
	"github.com/clerkguard/clerkguard/examples/internal/demo/fiberdemo"
	clerkfiber "github.com/clerkguard/clerkguard/fiber"
)

func main() {
	setup, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer setup.Close()

	app := fiber.New()
	app.Use(recover.New())
	// Authenticate every request; demo.Rules is the clerkMiddleware(handler)
	// form: /dashboard needs a session, /admin the org:admin role.
	app.Use(clerkfiber.Middleware(setup.Client, clerkfiber.WithHandler(demo.Rules)))

	page := func(title string) fiber.Handler {
		return func(c fiber.Ctx) error {
			c.Type("html", "utf-8")
			return c.Send(demo.Page(clerkfiber.Auth(c), title, fiberdemo.AbsURL(c), setup.Dev))
		}
	}
	me := func(c fiber.Ctx) error { return c.JSON(demo.Me(clerkfiber.Auth(c))) }

	app.Get("/", page("clerkguard + Fiber"))
	app.Get("/dashboard", page("Dashboard"))
	app.Get("/admin", page("Admin area"))
	app.Get("/orgs/:slug/dashboard", page("Organization dashboard")) // organization sync activates :slug
	app.Get("/personal", page("Personal account"))

	api := app.Group("/api")
	api.Get("/public", func(c fiber.Ctx) error { return c.JSON(fiber.Map{"public": true}) })
	api.Get("/me", clerkfiber.Protect(), me)
	api.Get("/admin", clerkfiber.Protect(clerk.Role("org:admin")), me)
	api.Get("/invoices", clerkfiber.Protect(clerk.Permission("org:invoices:create")), me)
	api.Get("/orgs/:slug/me", clerkfiber.Protect(), me)
	api.Get("/machine", clerkfiber.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)), me)

	if err := fiberdemo.Serve(setup, app); err != nil {
		log.Fatal(err)
	}
}
