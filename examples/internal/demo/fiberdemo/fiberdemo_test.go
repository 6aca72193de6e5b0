package fiberdemo

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v3"
)

// AbsURL gives back the URL the browser asked for, query encoding intact,
// which the development instance's pages redirect back to. app.Test sends
// requests in absolute form (GET http://host/path), as proxies do; browsers
// send the path only.
func TestAbsURL(t *testing.T) {
	app := fiber.New()
	app.Get("/*", func(c fiber.Ctx) error { return c.SendString(AbsURL(c)) })
	for _, tt := range []struct{ target, want string }{
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/"},
		{"http://127.0.0.1:8080/orgs/acme/dashboard", "http://127.0.0.1:8080/orgs/acme/dashboard"},
		{"http://localhost:3000/dashboard?tab=a%2Fb&x=1", "http://localhost:3000/dashboard?tab=a%2Fb&x=1"},
		{"/orgs/acme/dashboard?x=%20", "http://example.com/orgs/acme/dashboard?x=%20"}, // Host: example.com
	} {
		resp, err := app.Test(httptest.NewRequest("GET", tt.target, nil))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != tt.want {
			t.Errorf("AbsURL for %s = %q, want %q", tt.target, got, tt.want)
		}
	}
}
