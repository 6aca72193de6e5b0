package chiapp

import (
	"net/http"
	"testing"

	"github.com/clerkguard/clerkguard/examples/internal/apptest"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

// The example's routes answer as its banner and README promise.
func TestRoutes(t *testing.T) {
	apptest.Routes(t, func(s *demo.Setup) http.Handler { return New(s) })
}
