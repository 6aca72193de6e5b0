// Package fiberdemo is package demo's Serve and AbsURL for Fiber, which
// serves with fasthttp rather than through an http.Handler. It is a package
// of its own so that only the Fiber example compiles and links Fiber.
package fiberdemo

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

// Serve runs app on the examples' listener (demo.Listen) until SIGINT or
// SIGTERM, printing the banner first, then shuts it down gracefully (at
// most 5 seconds for requests in flight).
func Serve(s *demo.Setup, app *fiber.App) error {
	ln, base, err := demo.Listen()
	if err != nil {
		return err
	}
	s.Banner(os.Stdout, "Fiber", base)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Listener(ln, fiber.ListenConfig{
		GracefulContext:       ctx,
		ShutdownTimeout:       5 * time.Second,
		DisableStartupMessage: true,
	})
}

// AbsURL is the absolute URL of the request of c, for demo.Page's links:
// the development instance's pages send the browser back there. It is
// built from the path and query, not c.OriginalURL(), which is the whole
// URL for a request in absolute form (GET http://host/path HTTP/1.1).
func AbsURL(c fiber.Ctx) string {
	uri := c.Request().URI()
	u := c.BaseURL() + string(uri.PathOriginal())
	if q := uri.QueryString(); len(q) > 0 {
		u += "?" + string(q)
	}
	return u
}
