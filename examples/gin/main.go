// Command gin will run an example API protected by clerkguard on Gin.
//
// The runnable examples (with an embedded offline Clerk development instance)
// arrive with a later release; for now this command says so and exits.
package main

import "fmt"

func main() {
	fmt.Println("clerkguard: the runnable Gin example arrives with the examples release.")
	fmt.Println("Until then, run the test suite with: make test")
}
