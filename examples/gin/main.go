// Command gin is an example API protected by clerkguard on Gin.
//
//	go run ./examples/gin
//
// With no CLERK_ variable in the environment it starts an offline Clerk
// development instance and prints URLs and curl lines to try; with
// CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY it uses that Clerk instance
// (only one of them set is an error, never the development instance).
//
// The routes are in examples/internal/ginapp (ginapp.go), so that the
// end-to-end browser test drives the same application.
package main

import (
	"log"

	"github.com/clerkguard/clerkguard/examples/internal/demo"
	"github.com/clerkguard/clerkguard/examples/internal/ginapp"
)

func main() {
	setup, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer setup.Close()

	if err := setup.Serve("Gin", ginapp.New(setup)); err != nil {
		log.Fatal(err)
	}
}
