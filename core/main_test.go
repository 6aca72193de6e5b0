package clerk_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// leakGrace is how long TestMain waits for goroutines to end after the last
// test. A key fetch is detached from its callers (jwks.go) and its retry
// loop against a server a test has just closed takes up to 3.75 s of
// backoff (spec §2.3); anything alive after this is a leak.
const leakGrace = 6 * time.Second

// TestMain fails the package's tests if any goroutine outlives them (issue
// 10): background JWKS refreshes, single-flight key fetches, machine-token
// verifications and the loopback servers of clerktest and clerkdev must all
// have finished, or been cancelled, within leakGrace of the last test.
//
// One goroutine is not ours and is ignored: regexp2's coarse clock, which
// the route matcher's match timeout starts and which stops by itself about
// a second after the last match.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		start := time.Now()
		var err error
		for {
			err = goleak.Find(goleak.IgnoreAnyFunction("github.com/dlclark/regexp2.runClock"))
			if err == nil || time.Since(start) > leakGrace {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "goleak: goroutines still running %v after the last test:\n%v\n", leakGrace, err)
			code = 1
		} else if os.Getenv("CLERKGUARD_GOLEAK_VERBOSE") != "" || testing.Verbose() {
			fmt.Printf("goleak: no goroutine outlived the tests (the last ended %v after them)\n", time.Since(start).Round(10*time.Millisecond))
		}
	}
	os.Exit(code)
}
