package clerkdev

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine they started (a key
// fetch, a verification, a loopback server) is still running after the last
// one. regexp2's coarse clock, started by route matchers with a timeout, is
// not ours and stops by itself.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/dlclark/regexp2.runClock"))
}
