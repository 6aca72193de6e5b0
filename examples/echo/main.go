// Command echo is an example API protected by clerkguard on Echo v4.
//
//	go run ./examples/echo
//
// With no CLERK_ variable in the environment it starts an offline Clerk
// development instance and prints URLs and curl lines to try; with
// CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY it uses that Clerk instance
// (only one of them set is an error, never the development instance).
package main

import (
	"log"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	clerk "github.com/clerkguard/clerkguard/core"
	clerkecho "github.com/clerkguard/clerkguard/echo"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

func main() {
	setup, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer setup.Close()

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	// Authenticate every request; demo.Rules is the clerkMiddleware(handler)
	// form: /dashboard needs a session, /admin the org:admin role.
	// Refusals reach Echo's HTTPErrorHandler as *echo.HTTPError.
	e.Use(clerkecho.Middleware(setup.Client, clerkecho.WithHandler(demo.Rules)))

	page := func(title string) echo.HandlerFunc {
		return func(c echo.Context) error {
			return c.HTMLBlob(http.StatusOK, demo.Page(clerkecho.Auth(c), title, demo.AbsURL(c.Request()), setup.Dev))
		}
	}
	me := func(c echo.Context) error { return c.JSON(http.StatusOK, demo.Me(clerkecho.Auth(c))) }

	e.GET("/", page("clerkguard + Echo"))
	e.GET("/dashboard", page("Dashboard"))
	e.GET("/admin", page("Admin area"))
	e.GET("/orgs/:slug/dashboard", page("Organization dashboard")) // organization sync activates :slug
	e.GET("/personal", page("Personal account"))

	api := e.Group("/api")
	api.GET("/public", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]bool{"public": true}) })
	api.GET("/me", me, clerkecho.Protect())
	api.GET("/admin", me, clerkecho.Protect(clerk.Role("org:admin")))
	api.GET("/invoices", me, clerkecho.Protect(clerk.Permission("org:invoices:create")))
	api.GET("/orgs/:slug/me", me, clerkecho.Protect())
	api.GET("/machine", me, clerkecho.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)))

	if err := setup.Serve("Echo", e); err != nil {
		log.Fatal(err)
	}
}
