module github.com/clerkguard/clerkguard/echo

go 1.25

replace github.com/clerkguard/clerkguard/core => ../core
