module github.com/clerkguard/clerkguard/examples

go 1.25

replace (
	github.com/clerkguard/clerkguard/chi => ../chi
	github.com/clerkguard/clerkguard/core => ../core
	github.com/clerkguard/clerkguard/echo => ../echo
	github.com/clerkguard/clerkguard/fiber => ../fiber
	github.com/clerkguard/clerkguard/gin => ../gin
)
