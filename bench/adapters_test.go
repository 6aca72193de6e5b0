package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"
	"github.com/valyala/fasthttp"

	clerkchi "github.com/clerkguard/clerkguard/chi"
	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
	clerkecho "github.com/clerkguard/clerkguard/echo"
	clerkfiber "github.com/clerkguard/clerkguard/fiber"
	clerkgin "github.com/clerkguard/clerkguard/gin"
)

// The adapter benchmarks serve GET /me on each framework twice: the bare
// route answering "ok", and the same route behind the adapter's Middleware
// and Protect answering the Auth's user ID, with a warm token (the
// verified-token cache holds it, as for a single-page app's 60-second
// token). BenchmarkAdapter calls the router in-process; BenchmarkAdapterHTTP
// sends real requests over a keep-alive loopback connection.

// adapterApp is one framework's pair of routers.
type adapterApp struct {
	name          string
	bare, guarded http.Handler // net/http frameworks
	fiberBare     *fiber.App   // Fiber serves with fasthttp
	fiberGuarded  *fiber.App
}

func adapterClient(b *testing.B, f *fixture) *clerk.Client {
	c, err := clerk.New(clerk.Options{SecretKey: f.sk, PublishableKey: clerktest.PublishableKey("clerk.example.com"), APIURL: f.jwks.URL()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}

func adapterApps(b *testing.B, c *clerk.Client) []adapterApp {
	gin.SetMode(gin.ReleaseMode)
	ginBare, ginGuarded := gin.New(), gin.New()
	ginBare.GET("/me", func(ctx *gin.Context) { ctx.String(http.StatusOK, "ok") })
	ginGuarded.Use(clerkgin.Middleware(c))
	ginGuarded.GET("/me", clerkgin.Protect(), func(ctx *gin.Context) { ctx.String(http.StatusOK, clerkgin.Auth(ctx).UserID) })

	echoBare, echoGuarded := echo.New(), echo.New()
	echoBare.GET("/me", func(ctx echo.Context) error { return ctx.String(http.StatusOK, "ok") })
	echoGuarded.Use(clerkecho.Middleware(c))
	echoGuarded.GET("/me", func(ctx echo.Context) error { return ctx.String(http.StatusOK, clerkecho.Auth(ctx).UserID) },
		clerkecho.Protect())

	chiBare, chiGuarded := chi.NewRouter(), chi.NewRouter()
	chiBare.Get("/me", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	chiGuarded.Use(clerkchi.Middleware(c))
	chiGuarded.With(clerkchi.Protect()).Get("/me", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, clerkchi.Auth(r).UserID)
	})

	fiberBare, fiberGuarded := fiber.New(), fiber.New()
	fiberBare.Get("/me", func(ctx fiber.Ctx) error { return ctx.SendString("ok") })
	fiberGuarded.Use(clerkfiber.Middleware(c))
	fiberGuarded.Get("/me", clerkfiber.Protect(), func(ctx fiber.Ctx) error { return ctx.SendString(clerkfiber.Auth(ctx).UserID) })

	return []adapterApp{
		{name: "gin", bare: ginBare, guarded: ginGuarded},
		{name: "echo", bare: echoBare, guarded: echoGuarded},
		{name: "chi", bare: chiBare, guarded: chiGuarded},
		{name: "fiber", fiberBare: fiberBare, fiberGuarded: fiberGuarded},
	}
}

// wantBody is what a route answers: "ok" bare, the user ID behind clerkguard.
func wantBody(guarded bool) string {
	if guarded {
		return "user_-1" // the fixture's warm token
	}
	return "ok"
}

// BenchmarkAdapter is each adapter's Middleware+Protect on a warm token
// against the bare route, in-process (the router's ServeHTTP, or Fiber's
// fasthttp handler), with the same request every time.
func BenchmarkAdapter(b *testing.B) {
	f := setup(b)
	for _, app := range adapterApps(b, adapterClient(b, f)) {
		for _, guarded := range []bool{false, true} {
			b.Run(app.name+"/"+variant(guarded), func(b *testing.B) {
				if app.fiberBare != nil {
					fiberInProcess(b, app.pick(guarded), f.warm, wantBody(guarded))
					return
				}
				h := app.bare
				if guarded {
					h = app.guarded
				}
				r := httptest.NewRequest(http.MethodGet, "http://api.example.com/me", nil)
				r.Header.Set("Authorization", "Bearer "+f.warm)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK || rec.Body.String() != wantBody(guarded) {
					b.Fatalf("warm-up: %d %q", rec.Code, rec.Body)
				}
				w := &discard{h: http.Header{}}
				want := wantBody(guarded)
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					w.status, w.n = 0, 0
					h.ServeHTTP(w, r)
					// Every answer is checked: 200 (or implied) and the body's length.
					if (w.status != 0 && w.status != http.StatusOK) || w.n != len(want) {
						b.Fatalf("answer %d with %d body bytes, want 200 %q", w.status, w.n, want)
					}
				}
			})
		}
	}
}

func variant(guarded bool) string {
	if guarded {
		return "clerkguard"
	}
	return "bare"
}

func (a adapterApp) pick(guarded bool) *fiber.App {
	if guarded {
		return a.fiberGuarded
	}
	return a.fiberBare
}

// fiberInProcess serves the request through app's fasthttp handler, reusing
// one RequestCtx the way fasthttp's server does between requests.
func fiberInProcess(b *testing.B, app *fiber.App, token, want string) {
	h := app.Handler()
	var fctx fasthttp.RequestCtx
	fctx.Request.SetRequestURI("/me")
	fctx.Request.Header.SetMethod(fiber.MethodGet)
	fctx.Request.Header.SetHost("api.example.com")
	fctx.Request.Header.Set("Authorization", "Bearer "+token)
	h(&fctx)
	if fctx.Response.StatusCode() != http.StatusOK || string(fctx.Response.Body()) != want {
		b.Fatalf("warm-up: %d %q", fctx.Response.StatusCode(), fctx.Response.Body())
	}
	b.ReportAllocs()
	for b.Loop() {
		fctx.Response.Reset()
		fctx.ResetUserValues()
		h(&fctx)
		if fctx.Response.StatusCode() != http.StatusOK || len(fctx.Response.Body()) != len(want) {
			b.Fatalf("answer %d %q, want 200 %q", fctx.Response.StatusCode(), fctx.Response.Body(), want)
		}
	}
}

// BenchmarkAdapterHTTP is BenchmarkAdapter over real HTTP/1.1: a client
// sends GET /me with the warm token over one keep-alive loopback connection
// and reads the whole answer. Client and server share the machine, so the
// figure is a request's latency on loopback, the setting in which an API
// serves its callers.
func BenchmarkAdapterHTTP(b *testing.B) {
	f := setup(b)
	for _, app := range adapterApps(b, adapterClient(b, f)) {
		for _, guarded := range []bool{false, true} {
			b.Run(app.name+"/"+variant(guarded), func(b *testing.B) {
				url := serve(b, app, guarded) + "/me"
				client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
				b.Cleanup(client.CloseIdleConnections)
				req, err := http.NewRequest(http.MethodGet, url, nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+f.warm)
				want := wantBody(guarded)
				get := func() {
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK || string(body) != want {
						b.Fatalf("GET /me: %d %q %v", resp.StatusCode, body, err)
					}
				}
				get()
				b.ReportAllocs()
				for b.Loop() {
					get()
				}
			})
		}
	}
}

// serve starts the chosen router on a loopback port for the benchmark and
// returns its base URL. The benchmarks use b.Loop, so their setup (and
// this server) runs once per benchmark.
func serve(b *testing.B, app adapterApp, guarded bool) string {
	if app.fiberBare == nil {
		h := app.bare
		if guarded {
			h = app.guarded
		}
		srv := httptest.NewServer(h)
		b.Cleanup(srv.Close)
		return srv.URL
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.pick(guarded).Listener(ln, fiber.ListenConfig{GracefulContext: ctx, DisableStartupMessage: true})
	}()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("fiber: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
