module github.com/clerkguard/clerkguard/bench

go 1.25.0

replace (
	github.com/clerkguard/clerkguard/chi => ../chi
	github.com/clerkguard/clerkguard/core => ../core
	github.com/clerkguard/clerkguard/echo => ../echo
	github.com/clerkguard/clerkguard/fiber => ../fiber
	github.com/clerkguard/clerkguard/gin => ../gin
)

require (
	github.com/clerk/clerk-sdk-go/v2 v2.4.2
	github.com/clerkguard/clerkguard/core v0.0.0-00010101000000-000000000000
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/labstack/echo-jwt/v4 v4.4.0
	github.com/labstack/echo/v4 v4.16.0
)

require (
	github.com/dlclark/regexp2 v1.12.0 // indirect
	github.com/go-jose/go-jose/v3 v3.0.4 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/labstack/gommon v0.5.0 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	golang.org/x/crypto v0.53.0 // indirect
	golang.org/x/net v0.56.0 // indirect
	golang.org/x/sys v0.46.0 // indirect
	golang.org/x/text v0.40.0 // indirect
	golang.org/x/time v0.15.0 // indirect
)
