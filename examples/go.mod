module github.com/clerkguard/clerkguard/examples

go 1.25

replace (
	github.com/clerkguard/clerkguard/chi => ../chi
	github.com/clerkguard/clerkguard/core => ../core
	github.com/clerkguard/clerkguard/echo => ../echo
	github.com/clerkguard/clerkguard/fiber => ../fiber
	github.com/clerkguard/clerkguard/gin => ../gin
)

require github.com/clerkguard/clerkguard/core v0.0.0-00010101000000-000000000000

require (
	github.com/dlclark/regexp2 v1.12.0 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
)
