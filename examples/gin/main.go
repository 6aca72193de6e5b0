// Command gin is an example API protected by clerkguard on Gin.
//
//	go run ./examples/gin
//
// Without CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY it starts an offline
// Clerk development instance and prints URLs and curl lines to try.
package main

import (
	"log"
	"net/http"

	"github.com/gin-gonic/gin"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
	clerkgin "github.com/clerkguard/clerkguard/gin"
)

func main() {
	setup, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer setup.Close()

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	// Authenticate every request; demo.Rules is the clerkMiddleware(handler)
	// form: /dashboard needs a session, /admin the org:admin role.
	r.Use(clerkgin.Middleware(setup.Client, clerkgin.WithHandler(demo.Rules)))

	page := func(title string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Data(http.StatusOK, "text/html; charset=utf-8", demo.Page(clerkgin.Auth(c), title, demo.AbsURL(c.Request), setup.Dev))
		}
	}
	me := func(c *gin.Context) { c.JSON(http.StatusOK, demo.Me(clerkgin.Auth(c))) }

	r.GET("/", page("clerkguard + Gin"))
	r.GET("/dashboard", page("Dashboard"))
	r.GET("/admin", page("Admin area"))
	r.GET("/orgs/:slug/dashboard", page("Organization dashboard")) // organization sync activates :slug
	r.GET("/personal", page("Personal account"))

	api := r.Group("/api")
	api.GET("/public", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"public": true}) })
	api.GET("/me", clerkgin.Protect(), me)
	api.GET("/admin", clerkgin.Protect(clerk.Role("org:admin")), me)
	api.GET("/invoices", clerkgin.Protect(clerk.Permission("org:invoices:create")), me)
	api.GET("/orgs/:slug/me", clerkgin.Protect(), me)
	api.GET("/machine", clerkgin.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)), me)

	if err := setup.Serve("Gin", r); err != nil {
		log.Fatal(err)
	}
}
