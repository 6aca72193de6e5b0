package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Listen opens the examples' listener and returns it with the app's base URL.
func Listen() (net.Listener, string, error) {
	ln, err := net.Listen("tcp", Addr())
	if err != nil {
		return nil, "", err
	}
	return ln, "http://" + ln.Addr().String(), nil
}

// Serve runs h until SIGINT or SIGTERM, printing the banner first, then
// shuts down gracefully and stops the development instance.
func (s *Setup) Serve(framework string, h http.Handler) error {
	ln, base, err := Listen()
	if err != nil {
		return err
	}
	s.Banner(os.Stdout, framework, base)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// AbsURL is the absolute URL of a net/http request, for Page's links.
func AbsURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}
