module github.com/clerkguard/clerkguard/fiber

go 1.25

replace github.com/clerkguard/clerkguard/core => ../core
