package clerktest

import (
	"sync"
	"time"
)

// Clock is a settable clock for tests. Its Now method value plugs into
// Options.Clock, so that token expiry, clock skew and cache lifetimes can be
// tested without sleeping:
//
//	clock := clerktest.NewClock(time.Unix(1_700_000_000, 0))
//	opts.Clock = clock.Now
//	...
//	clock.Advance(2 * time.Minute) // the token has expired
//
// A Clock is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, forwards or backwards.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d (backwards for a negative d) and
// returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
