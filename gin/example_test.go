package clerkgin_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/gin-gonic/gin"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
	clerkgin "github.com/clerkguard/clerkguard/gin"
)

// The quickstart of the README: every request authenticated, /admin for
// organization admins only.
func Example() {
	client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
	if err != nil {
		log.Fatal(err)
	}
	r := gin.Default()
	r.Use(clerkgin.Middleware(client))
	r.GET("/", func(c *gin.Context) {
		c.String(http.StatusOK, "hello, %s", clerkgin.Auth(c).UserID) // "" when signed out
	})
	r.GET("/admin", clerkgin.Protect(clerk.Role("org:admin")), func(c *gin.Context) {
		c.String(http.StatusOK, "welcome, admin %s", clerkgin.Auth(c).UserID)
	})
	log.Fatal(r.Run(":8080"))
}

// The handler form (Clerk's clerkMiddleware(handler)): one rule protects
// every /admin route, whichever group registers it.
func ExampleMiddleware() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
	r := gin.Default()
	r.Use(clerkgin.Middleware(client, clerkgin.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		ok, err := isAdmin.Match(req)
		if err != nil || !ok {
			return err // nil, or a 400 for a malformed path
		}
		return auth.Protect(clerk.Role("org:admin"))
	})))
	r.GET("/admin/users", func(c *gin.Context) {
		c.String(http.StatusOK, "users of %s", clerkgin.Auth(c).OrgSlug)
	})
	log.Fatal(r.Run(":8080"))
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
	r := gin.Default()
	r.Use(clerkgin.Middleware(auth))
	r.GET("/me", clerkgin.Protect(), func(c *gin.Context) { c.String(http.StatusOK, clerkgin.Auth(c).UserID) })
	log.Fatal(r.Run(":8080"))
}

// Protect on a route and on a group: each route is only as open as the
// Protect in front of it.
func ExampleProtect() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	r := gin.Default()
	r.Use(clerkgin.Middleware(client))
	r.GET("/me", clerkgin.Protect(), func(c *gin.Context) { c.String(http.StatusOK, clerkgin.Auth(c).UserID) })
	billing := r.Group("/billing", clerkgin.Protect(clerk.Permission("org:invoices:create"), clerk.UnauthorizedURL("/no-access")))
	billing.POST("/invoices", func(c *gin.Context) { c.Status(http.StatusCreated) })
	// Machine-to-machine: 401 for anything but a valid M2M token.
	r.POST("/webhooks/sync", clerkgin.Protect(clerk.AcceptsToken(clerk.M2MToken)), func(c *gin.Context) {
		c.Status(http.StatusNoContent)
	})
	log.Fatal(r.Run(":8080"))
}

// Decisions rendered as JSON for an API, while redirects keep their
// Location and 503s their Retry-After.
func ExampleWithErrorHandler() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	asJSON := clerkgin.WithErrorHandler(func(c *gin.Context, d *clerk.Decision) {
		if d.Status < 400 || d.Header.Get("Content-Type") == "application/json" {
			clerkgin.DefaultErrorHandler(c, d) // redirects, Clerk's reverification hint
			return
		}
		for _, h := range []string{"Retry-After", "WWW-Authenticate"} {
			if v := d.Header.Get(h); v != "" {
				c.Header(h, v)
			}
		}
		c.JSON(d.Status, gin.H{"error": http.StatusText(d.Status)})
	})
	r := gin.Default()
	r.Use(clerkgin.Middleware(client, asJSON))
	r.GET("/api/me", clerkgin.Protect(), func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"user": clerkgin.Auth(c).UserID}) })
	log.Fatal(r.Run(":8080"))
}

// Middleware and Protect answering two requests in-process: a signed-in
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
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(clerkgin.Middleware(client))
	r.GET("/me", clerkgin.Protect(), func(c *gin.Context) {
		c.String(http.StatusOK, "hello, %s", clerkgin.Auth(c).UserID)
	})

	token := key.MustSign(clerktest.SessionV2("user_1", "sess_1", time.Now()))
	for _, authorization := range []string{"Bearer " + token, ""} {
		req := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 200 hello, user_1
	// 404 Not Found
}
