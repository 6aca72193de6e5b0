package clerkdev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Server limits. The instance only serves loopback clients, but it must not
// be knocked over by a stuck or misbehaving one either.
const (
	maxBodyBytes      = 1 << 20 // request bodies
	maxHeaderBytes    = 256 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
)

// Instance is a running development instance: a loopback HTTP server that
// plays both Clerk's Backend API and its Frontend API for one instance, with
// in-memory users, sessions and machine tokens. Create one with [Start] or
// [NewTestInstance]. All methods are safe for concurrent use.
type Instance struct {
	cfg     Config
	key     *clerktest.Key
	sk      string
	msk     string
	url     string // "http://127.0.0.1:<port>"
	host    string // "127.0.0.1:<port>"
	pk      string
	suffix  string
	now     func() time.Time
	started time.Time
	log     *slog.Logger

	srv       *http.Server
	serveDone chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex // guards the state below
	state state

	cmu       sync.Mutex // guards the counters
	byPath    map[string]int
	byPattern map[string]int
}

// Start starts a development instance on a loopback port and returns when it
// accepts connections. Empty parts of cfg get the defaults documented on
// [Config]. The caller must [Instance.Close] it.
//
// Start is the only way to run an instance: nothing in clerkguard starts one
// implicitly, and an instance listens on 127.0.0.1 only, so it cannot be
// enabled in production by accident.
func Start(cfg Config) (*Instance, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	key := cfg.Key
	if key == nil {
		if key, err = clerktest.NewKey(); err != nil {
			return nil, fmt.Errorf("clerkdev: %w", err)
		}
	}
	ln, err := net.Listen("tcp4", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("clerkdev: listen: %w", err)
	}
	host := ln.Addr().String()
	i := &Instance{
		cfg:       cfg,
		key:       key,
		sk:        cfg.SecretKey,
		msk:       cfg.MachineSecretKey,
		url:       "http://" + host,
		host:      host,
		pk:        publishableKey(host),
		now:       cfg.Clock,
		started:   cfg.Clock(),
		log:       cfg.Logger,
		serveDone: make(chan struct{}),
		byPath:    map[string]int{},
		byPattern: map[string]int{},
	}
	if i.sk == "" {
		i.sk = clerktest.SecretKey()
	}
	if i.msk == "" {
		i.msk = clerktest.NewID("ak_")
	}
	if i.log == nil {
		i.log = slog.New(slog.DiscardHandler)
	}
	i.suffix = cookieSuffix(i.pk)
	i.state = newState(cfg)

	errorLog := log.New(io.Discard, "", 0)
	if cfg.Logger != nil {
		errorLog = slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)
	}
	i.srv = &http.Server{
		Handler:           i.handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errorLog,
	}
	go func() {
		defer close(i.serveDone)
		if err := i.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			i.log.Error("clerkdev: server stopped", "error", err)
		}
	}()
	return i, nil
}

// NewTestInstance starts a development instance for the test t and closes
// it when the test ends (t.Cleanup). It fails the test if the instance
// cannot start.
func NewTestInstance(t testing.TB, cfg Config) *Instance {
	t.Helper()
	i, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(i.Close)
	return i
}

// Close stops the server, closing open connections, and waits for it to
// finish. It is safe to call more than once.
func (i *Instance) Close() {
	i.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := i.srv.Shutdown(ctx); err != nil {
			_ = i.srv.Close()
		}
		<-i.serveDone
	})
}

// URL returns the instance's base URL, "http://127.0.0.1:<port>". It serves
// both the Backend API and the Frontend API.
func (i *Instance) URL() string { return i.url }

// PublishableKey returns the instance's publishable key: "pk_test_" and the
// base64 of "127.0.0.1:<port>$", so that Clerk's SDKs and clerkguard derive
// the instance as the Frontend API host and treat it as a development
// instance.
func (i *Instance) PublishableKey() string { return i.pk }

// SecretKey returns the secret key ("sk_test_...") that opens the Backend
// API and the /__dev/ endpoints.
func (i *Instance) SecretKey() string { return i.sk }

// MachineSecretKey returns the machine secret key ("ak_..."), accepted by
// POST /m2m_tokens/verify as Clerk accepts a machine's secret key.
func (i *Instance) MachineSecretKey() string { return i.msk }

// APIURL returns the Backend API base URL (the instance URL), the value
// for clerk.Options.APIURL.
func (i *Instance) APIURL() string { return i.url }

// FrontendAPIURL returns the Frontend API URL (the instance URL). It is
// also the iss claim of the instance's session tokens.
func (i *Instance) FrontendAPIURL() string { return i.url }

// ProxyURL returns the instance URL, the value for clerk.Options.ProxyURL.
//
// Clerk's SDKs build the handshake URL as https://<frontend api>/v1/client/handshake
// unless the Frontend API (the proxy URL when one is set) starts with
// "http". The instance serves plain HTTP on loopback, so an application must
// set its proxy URL to this value for handshake redirects to reach it.
func (i *Instance) ProxyURL() string { return i.url }

// SignInURL returns the instance's sign-in page, the value for
// clerk.Options.SignInURL: an application protecting a page redirects
// signed-out browsers there, with a redirect_url back to the page.
func (i *Instance) SignInURL() string { return i.url + "/sign-in" }

// SignUpURL returns the instance's sign-up page, the value for
// clerk.Options.SignUpURL.
func (i *Instance) SignUpURL() string { return i.url + "/sign-up" }

// PublicKeyPEM returns the instance's public key as a PEM "PUBLIC KEY"
// block, the value for clerk.Options.JWTKey (networkless verification).
func (i *Instance) PublicKeyPEM() string { return i.key.PublicKeyPEM() }

// Key returns the instance's signing key, to mint tokens of any shape with
// [clerktest.Key.Sign].
func (i *Instance) Key() *clerktest.Key { return i.key }

// CookieSuffix returns the suffix of the instance's suffixed cookie names
// (__session_<suffix>, __client_uat_<suffix>, __refresh_<suffix>). It equals
// clerk.CookieSuffix(i.PublishableKey()).
func (i *Instance) CookieSuffix() string { return i.suffix }

// Settings are the values an application copies into its clerkguard
// options to use a development instance. The field names are those of
// clerk.Options:
//
//	s := inst.Settings()
//	c, err := clerk.New(clerk.Options{
//		PublishableKey:   s.PublishableKey,
//		SecretKey:        s.SecretKey,
//		MachineSecretKey: s.MachineSecretKey,
//		APIURL:           s.APIURL,
//		ProxyURL:         s.ProxyURL,
//		SignInURL:        s.SignInURL,
//		SignUpURL:        s.SignUpURL,
//	})
//
// (package clerkdev does not import package clerk, so it cannot return
// clerk.Options itself). JWTKey is optional: with it, session tokens are
// verified without fetching the JWKS.
type Settings struct {
	// PublishableKey is a pk_test_ key whose Frontend API is the instance.
	PublishableKey string
	// SecretKey is the instance's sk_test_ key (Backend API calls).
	SecretKey string
	// MachineSecretKey is the instance's machine secret key (M2M tokens).
	MachineSecretKey string
	// APIURL is the instance's Backend API on loopback.
	APIURL string
	// ProxyURL is the instance's Frontend API, so handshake redirects stay
	// on loopback.
	ProxyURL string
	// SignInURL and SignUpURL are the instance's HTML sign-in and sign-up
	// pages.
	SignInURL string
	SignUpURL string
	// JWTKey is the PEM public key of the session tokens.
	JWTKey string
}

// Settings returns the values for an application's options; see [Settings].
func (i *Instance) Settings() Settings {
	return Settings{
		PublishableKey:   i.pk,
		SecretKey:        i.sk,
		MachineSecretKey: i.msk,
		APIURL:           i.url,
		ProxyURL:         i.url,
		SignInURL:        i.SignInURL(),
		SignUpURL:        i.SignUpURL(),
		JWTKey:           i.key.PublicKeyPEM(),
	}
}

// Environ returns the settings as "NAME=value" environment entries, the
// names clerk.NewFromEnv reads: CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY,
// CLERK_MACHINE_SECRET_KEY, CLERK_API_URL, CLERK_PROXY_URL,
// CLERK_SIGN_IN_URL and CLERK_SIGN_UP_URL (not CLERK_JWT_KEY, whose value
// spans lines). Use it for a child process's environment (exec.Cmd.Env).
func (i *Instance) Environ() []string {
	s := i.Settings()
	return []string{
		"CLERK_PUBLISHABLE_KEY=" + s.PublishableKey,
		"CLERK_SECRET_KEY=" + s.SecretKey,
		"CLERK_MACHINE_SECRET_KEY=" + s.MachineSecretKey,
		"CLERK_API_URL=" + s.APIURL,
		"CLERK_PROXY_URL=" + s.ProxyURL,
		"CLERK_SIGN_IN_URL=" + s.SignInURL,
		"CLERK_SIGN_UP_URL=" + s.SignUpURL,
	}
}

// Requests returns how many requests the instance received for path, which
// is either an exact URL path ("/api_keys/verify",
// "/v1/sessions/sess_123/refresh") or one of the route patterns listed in
// the package documentation ("/v1/sessions/{sid}/refresh"). Every request
// counts, whatever its outcome (exact paths: the first 4,096 distinct
// ones, so that requests for random paths cannot grow the instance). Tests
// use it to assert how often an application calls the Backend API, for
// example one verification per machine token however many requests present
// it.
func (i *Instance) Requests(path string) int {
	i.cmu.Lock()
	defer i.cmu.Unlock()
	if strings.Contains(path, "{") {
		return i.byPattern[path]
	}
	return i.byPath[path]
}

// maxCountedPaths bounds the per-path request counts: the paths come from
// whoever sends requests, so past the bound new paths are not counted.
const maxCountedPaths = 4096

func (i *Instance) countPath(p string) {
	i.cmu.Lock()
	if _, ok := i.byPath[p]; ok || len(i.byPath) < maxCountedPaths {
		i.byPath[p]++
	}
	i.cmu.Unlock()
}

func (i *Instance) countPattern(p string) {
	i.cmu.Lock()
	i.byPattern[p]++
	i.cmu.Unlock()
}
