module github.com/clerkguard/clerkguard/chi

go 1.25

replace github.com/clerkguard/clerkguard/core => ../core
