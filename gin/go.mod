module github.com/clerkguard/clerkguard/gin

go 1.25

replace github.com/clerkguard/clerkguard/core => ../core
