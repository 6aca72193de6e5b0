// Package ginapp is the Gin example's application: its routes, protected by
// clerkguard. examples/gin serves it; the end-to-end browser test
// (examples/e2e) drives the very same handler.
package ginapp

import (
	"net/http"

	"github.com/gin-gonic/gin"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
	clerkgin "github.com/clerkguard/clerkguard/gin"
)

// New returns the example's router for setup's client: HTML pages (one
// protected by the clerkMiddleware(handler) rules, organization dashboards
// activated by organization sync) and a JSON API with a public route and
// routes for a session, a role, a permission and machine tokens.
func New(setup *demo.Setup) *gin.Engine {
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
	return r
}
