package clerk_test

import (
	"errors"
	"strings"
	"testing"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// TestConfigErrorsNameTheFix: New's errors name the field once, say how to
// fix it in Go, and NewFromEnv's name the environment variable.
func TestConfigErrorsNameTheFix(t *testing.T) {
	_, err := clerk.New(clerk.Options{SecretKey: "sk_test_x", PublishableKey: "garbage"})
	var ce *clerk.ConfigError
	if !errors.As(err, &ce) || ce.Field != "PublishableKey" {
		t.Fatalf("err = %v, want a PublishableKey ConfigError", err)
	}
	msg := err.Error()
	if strings.Count(msg, "PublishableKey") != 1 || !strings.HasPrefix(msg, "clerk: PublishableKey: Publishable key not valid") {
		t.Errorf("message repeats or misses the field: %q", msg)
	}
	if !strings.Contains(msg, "CLERK_PUBLISHABLE_KEY") || !strings.Contains(msg, "reads no .env file") {
		t.Errorf("message does not say where a Go program takes its keys from: %q", msg)
	}
	_, err = clerk.New(clerk.Options{SecretKey: "sk_test_x", JWKSRefreshInterval: -1})
	if !errors.As(err, &ce) || ce.Field != "JWKSRefreshInterval" {
		t.Errorf("negative JWKSRefreshInterval: %v", err)
	}
	_, err = clerk.New(clerk.Options{SecretKey: "sk_test_x", SignInURL: "%zz"})
	if !errors.As(err, &ce) || ce.Field != "SignInURL" || !strings.Contains(ce.Message, "such as /sign-in") {
		t.Errorf("invalid SignInURL: %v", err)
	}

	for _, k := range []string{"CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_JWT_KEY", "CLERK_MACHINE_SECRET_KEY", "CLERK_API_URL"} {
		t.Setenv(k, "")
	}
	t.Setenv("CLERK_PUBLISHABLE_KEY", clerktest.PublishableKey("clerk.example.com"))
	_, err = clerk.NewFromEnv()
	if !errors.As(err, &ce) || ce.Field != "SecretKey" || ce.Env != "CLERK_SECRET_KEY" ||
		!strings.HasPrefix(err.Error(), "clerk: SecretKey (env CLERK_SECRET_KEY): ") {
		t.Errorf("NewFromEnv without a secret key: %v (Env %q)", err, ce.Env)
	}
}
