module github.com/clerkguard/clerkguard/core

go 1.25

require (
	github.com/dlclark/regexp2 v1.12.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	go.uber.org/goleak v1.3.0
)

require github.com/stretchr/testify v1.11.1 // indirect
