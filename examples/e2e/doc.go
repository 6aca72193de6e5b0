// Package e2e holds the end-to-end test of the browser flow: the Gin
// example (examples/internal/ginapp) with an embedded clerkdev instance,
// driven by a real headless Chromium through chromedp.
//
// It runs only when asked for, since it needs a browser:
//
//	make e2e                                    # installs Debian's chromium when missing
//	CLERKGUARD_E2E=1 go test -v -run TestBrowserFlow ./examples/e2e
//
// CLERKGUARD_CHROMIUM names the browser (default /usr/bin/chromium);
// screenshots of every step go to examples/e2e/screenshots (git-ignored),
// or to CLERKGUARD_E2E_SCREENSHOTS.
package e2e
