// Package e2e holds the end-to-end test of the browser flow: the Gin
// example (examples/internal/ginapp) with an embedded clerkdev instance,
// driven by a real headless Chromium through chromedp.
//
// TestBrowserFlow drives the Gin example's handler in-process, with a
// clock it can move on (to let the session token expire);
// TestBrowserFlowExamples builds the Echo, chi and Fiber examples and runs
// the same steps against each program. TestBrowserRestart and
// TestBrowserTwoApps are a newcomer's situations: the example restarted
// (new instance, same address, old cookies) and two examples side by side
// on 127.0.0.1. Every step is a subtest that logs the document requests it
// caused (the handshake redirects) and leaves a screenshot.
//
// They run only when asked for, since they need a browser:
//
//	make e2e                                    # installs Debian's chromium when missing
//	CLERKGUARD_E2E=1 go test -v -run TestBrowser ./examples/e2e
//
// CLERKGUARD_CHROMIUM names the browser (default /usr/bin/chromium);
// screenshots go to examples/e2e/screenshots/<test>/ (git-ignored), or
// under CLERKGUARD_E2E_SCREENSHOTS.
package e2e
