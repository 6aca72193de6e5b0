package clerk_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them (issue
// 10): background JWKS refreshes, single-flight key fetches, machine-token
// verifications and the loopback servers of clerktest and clerkdev must all
// have finished, or been cancelled, by the time the last test returns.
//
// One goroutine is not ours and is ignored: regexp2's coarse clock, which
// the route matcher's match timeout starts and which stops by itself about
// a second after the last match.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/dlclark/regexp2.runClock"))
}
