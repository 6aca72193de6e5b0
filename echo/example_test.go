package clerkecho_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
	clerkecho "github.com/clerkguard/clerkguard/echo"
)

// The quickstart of the README: every request authenticated, /admin for
// organization admins only.
func Example() {
	client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(clerkecho.Middleware(client))
	e.GET("/", func(c echo.Context) error {
		return c.String(http.StatusOK, "hello, "+clerkecho.Auth(c).UserID) // "" when signed out
	})
	e.GET("/admin", func(c echo.Context) error {
		return c.String(http.StatusOK, "welcome, admin "+clerkecho.Auth(c).UserID)
	}, clerkecho.Protect(clerk.Role("org:admin")))
	e.Logger.Fatal(e.Start(":8080"))
}

// The handler form (Clerk's clerkMiddleware(handler)): one rule protects
// every /admin route; health checks skip authentication.
func ExampleMiddleware() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
	e := echo.New()
	e.Use(clerkecho.Middleware(client,
		clerkecho.WithSkipper(func(c echo.Context) bool { return strings.HasPrefix(c.Path(), "/healthz") }),
		clerkecho.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
			ok, err := isAdmin.Match(req)
			if err != nil || !ok {
				return err // nil, or a 400 for a malformed path
			}
			return auth.Protect(clerk.Role("org:admin"))
		})))
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.GET("/admin/users", func(c echo.Context) error {
		return c.String(http.StatusOK, "users of "+clerkecho.Auth(c).OrgSlug)
	})
	e.Logger.Fatal(e.Start(":8080"))
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
	e := echo.New()
	e.Use(clerkecho.Middleware(auth))
	e.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, clerkecho.Auth(c).UserID) }, clerkecho.Protect())
	e.Logger.Fatal(e.Start(":8080"))
}

// Protect on a route and on a group: each route is only as open as the
// Protect in front of it.
func ExampleProtect() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(clerkecho.Middleware(client))
	e.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, clerkecho.Auth(c).UserID) }, clerkecho.Protect())
	billing := e.Group("/billing", clerkecho.Protect(clerk.Permission("org:invoices:create"), clerk.UnauthorizedURL("/no-access")))
	billing.POST("/invoices", func(c echo.Context) error { return c.NoContent(http.StatusCreated) })
	// Machine-to-machine: 401 for anything but a valid M2M token.
	e.POST("/webhooks/sync", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) },
		clerkecho.Protect(clerk.AcceptsToken(clerk.M2MToken)))
	e.Logger.Fatal(e.Start(":8080"))
}

// Refusals reach the application's HTTPErrorHandler as *echo.HTTPError,
// with the *clerk.ProtectError as Internal: log them, then render.
func ExampleProtect_httpErrorHandler() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			var pe *clerk.ProtectError
			if errors.As(he.Internal, &pe) {
				c.Logger().Infof("refused %s: %v", c.Request().URL.Path, pe)
			}
		}
		e.DefaultHTTPErrorHandler(err, c) // keeps Location, Retry-After, ...
	}
	e.Use(clerkecho.Middleware(client))
	e.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, clerkecho.Auth(c).UserID) }, clerkecho.Protect())
	e.Logger.Fatal(e.Start(":8080"))
}

// A custom rendering for this middleware only: JSON errors, while redirects
// and Clerk's reverification hint keep the default.
func ExampleWithErrorHandler() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	asJSON := clerkecho.WithErrorHandler(func(c echo.Context, d *clerk.Decision) error {
		if d.Status < 400 || d.Header.Get("Content-Type") == "application/json" {
			return clerkecho.DefaultErrorHandler(c, d)
		}
		for _, h := range []string{"Retry-After", "WWW-Authenticate"} {
			if v := d.Header.Get(h); v != "" {
				c.Response().Header().Set(h, v)
			}
		}
		return c.JSON(d.Status, map[string]string{"error": http.StatusText(d.Status)})
	})
	e := echo.New()
	e.Use(clerkecho.Middleware(client, asJSON))
	e.GET("/api/me", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"user": clerkecho.Auth(c).UserID})
	}, clerkecho.Protect())
	e.Logger.Fatal(e.Start(":8080"))
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
	e := echo.New()
	e.Use(clerkecho.Middleware(client))
	e.GET("/me", func(c echo.Context) error {
		return c.String(http.StatusOK, "hello, "+clerkecho.Auth(c).UserID)
	}, clerkecho.Protect())

	token := key.MustSign(clerktest.SessionV2("user_1", "sess_1", time.Now()))
	for _, authorization := range []string{"Bearer " + token, ""} {
		req := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200 hello, user_1
	// 404 {"message":"Not Found"}
}
