// Command chi is an example API protected by clerkguard on chi (the same
// middleware works with http.ServeMux and any http.Handler router).
//
//	go run ./examples/chi
//
// With no CLERK_ variable in the environment it starts an offline Clerk
// development instance and prints URLs and curl lines to try; with
// CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY it uses that Clerk instance
// (only one of them set is an error, never the development instance).
//
// The routes are in examples/internal/chiapp (chiapp.go), so that the soak
// test drives the same application.
package main

import (
	"log"

	"github.com/clerkguard/clerkguard/examples/internal/chiapp"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

func main() {
	setup, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer setup.Close()

	if err := setup.Serve("chi", chiapp.New(setup)); err != nil {
		log.Fatal(err)
	}
}
