module github.com/clerkguard/clerkguard/chi

go 1.25

require (
	github.com/clerkguard/clerkguard/core v0.0.0
	github.com/go-chi/chi/v5 v5.5.0
	go.uber.org/goleak v1.3.0
)

require github.com/dlclark/regexp2 v1.12.0 // indirect

replace github.com/clerkguard/clerkguard/core => ../core
