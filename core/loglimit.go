package clerk

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// requestLogInterval is how often one request-triggered log message is
// written at most; the repeats in between are counted and reported with
// the next line ("suppressed": n).
const requestLogInterval = time.Second

// logLimiter bounds the log lines that a request's own input can cause (a
// forged handshake token or nonce, a foreign __clerk_redirect_url, a
// redirect-loop cookie): without it, anyone could make the application
// write one line per request. Messages are constants of the call sites, so
// the map stays as small as the set of call sites. The limiter runs on the
// monotonic clock, not Options.Clock: a frozen or stepped clock cannot
// silence it for good.
type logLimiter struct {
	mu   sync.Mutex
	last map[string]logLimitState
}

type logLimitState struct {
	at         time.Time
	suppressed int
}

// logRequest writes msg at level unless the same message was written less
// than requestLogInterval ago, in which case it is only counted.
func (c *Client) logRequest(level slog.Level, msg string, args ...any) {
	if !c.log.Enabled(context.Background(), level) {
		return
	}
	now := time.Now()
	l := &c.logLimit
	l.mu.Lock()
	st := l.last[msg]
	if !st.at.IsZero() && now.Sub(st.at) < requestLogInterval {
		st.suppressed++
		l.last[msg] = st
		l.mu.Unlock()
		return
	}
	if l.last == nil {
		l.last = make(map[string]logLimitState)
	}
	l.last[msg] = logLimitState{at: now}
	l.mu.Unlock()
	if st.suppressed > 0 {
		args = append(args, "suppressed", st.suppressed)
	}
	c.log.Log(context.Background(), level, msg, args...)
}
