package clerkfiber_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine they started (a key
// fetch, a verification, a loopback server) is still running after the last
// one. Two are not ours: regexp2's coarse clock, started by route matchers
// with a timeout, stops by itself; fasthttp's Date-header ticker lives as
// long as the process, by design.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/dlclark/regexp2.runClock"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"))
}
