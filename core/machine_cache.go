package clerk

import (
	"context"
	"sync"
	"time"
)

// DefaultMachineTokenCacheTTL is how long a successful opaque machine-token
// verification is reused when [Options].MachineTokenCacheTTL is zero.
const DefaultMachineTokenCacheTTL = 10 * time.Second

// Bounds of the machine-token cache.
const (
	// machineNegativeTTL is how long a failed verification answers for the
	// same token (capped at the TTL): long enough that a flood of one bad
	// token costs one Backend API call per interval, short enough that a
	// key fixed in the dashboard or a Backend API back from an outage is
	// seen at once.
	machineNegativeTTL = 2 * time.Second
	// machineCacheEntries bounds each of the two maps (hits and failures),
	// so random bad tokens can only push out other failures.
	machineCacheEntries = 10_000
	// machineCacheBytes bounds the memory of the hits; an answer larger than
	// machineMaxEntry (an API key with huge claims) is not kept at all.
	machineCacheBytes = 16 << 20
	machineMaxEntry   = 64 << 10
)

// machineKey identifies a token in the cache: its SHA-256, so that the
// cache (and anything that dumps it) never holds the token itself.
type machineKey [32]byte

// machineCache remembers opaque machine-token verifications (API keys, M2M
// and OAuth tokens that only the Backend API can check) for a short time,
// and makes concurrent verifications of one token share one Backend API
// call. It belongs to one Client: tenants never share it.
//
// A hit is reused until the TTL passes or the token expires, whichever comes
// first; a failure (unknown, revoked or expired token, bad secret key,
// Backend API error) for at most machineNegativeTTL. With a negative TTL
// nothing is remembered, but concurrent requests still share a call.
type machineCache struct {
	ttl    time.Duration // < 0: nothing is remembered
	negTTL time.Duration

	mu       sync.Mutex
	hits     map[machineKey]*machineEntry
	fails    map[machineKey]*machineEntry
	bytes    int64 // of hits
	inflight map[machineKey]*machineCall
	closed   bool           // Client.Close ran: no verification starts
	wg       sync.WaitGroup // the verifications in flight

	// configOnce logs a missing secret key once per Client, not per request.
	configOnce sync.Once
}

type machineEntry struct {
	data  *machineData
	err   *MachineTokenError
	until time.Time
}

// machineCall is one Backend API verification that every concurrent request
// for the same token waits for.
type machineCall struct {
	done chan struct{}
	data *machineData
	err  error
	// stop cancels the verification: when every request waiting for it has
	// gone, or when the Client is closed.
	stop context.CancelFunc
	// waiters counts the requests waiting; abandoned is set when the last
	// one gave up and stop was called, so its (cancelled) answer is not
	// remembered. Both guarded by machineCache.mu.
	waiters   int
	abandoned bool
}

func newMachineCache(ttl time.Duration) *machineCache {
	if ttl == 0 {
		ttl = DefaultMachineTokenCacheTTL
	}
	neg := min(machineNegativeTTL, ttl)
	return &machineCache{
		ttl:      ttl,
		negTTL:   neg,
		hits:     make(map[machineKey]*machineEntry),
		fails:    make(map[machineKey]*machineEntry),
		inflight: make(map[machineKey]*machineCall),
	}
}

// do returns the remembered verification of key, or joins (or starts) the
// one in flight. verify runs in its own goroutine with a context that keeps
// ctx's values but not its cancellation, bounded by timeout, so a request
// that goes away does not fail the others waiting for the same token; each
// caller stops waiting when its own ctx ends, and the last one to go cancels
// the verification (a client that disconnects leaves no Backend API call
// behind it).
func (m *machineCache) do(ctx context.Context, key machineKey, now func() time.Time, timeout time.Duration,
	verify func(context.Context) (*machineData, error)) (*machineData, error) {
	m.mu.Lock()
	if e := m.lookupLocked(key, now()); e != nil {
		m.mu.Unlock()
		return e.data, copyMachineErr(e.err)
	}
	if m.closed {
		m.mu.Unlock()
		return nil, &MachineTokenError{Code: MachineErrUnexpected, Message: "Unexpected error", Err: errClientClosed}
	}
	call := m.inflight[key]
	if call == nil {
		vctx, stop := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		call = &machineCall{done: make(chan struct{}), stop: stop}
		m.inflight[key] = call
		m.wg.Add(1)
		go m.run(vctx, key, call, now, verify)
	}
	call.waiters++
	m.mu.Unlock()
	select {
	case <-call.done:
		if me, ok := call.err.(*MachineTokenError); ok {
			return nil, copyMachineErr(me)
		}
		return call.data, call.err
	case <-ctx.Done():
		m.mu.Lock()
		call.waiters--
		if call.waiters == 0 {
			call.stop()
			call.abandoned = true
			if m.inflight[key] == call {
				delete(m.inflight, key)
			}
		}
		m.mu.Unlock()
		return nil, &MachineTokenError{Code: MachineErrUnexpected, Message: "Unexpected error", Err: ctx.Err()}
	}
}

func (m *machineCache) run(ctx context.Context, key machineKey, call *machineCall, now func() time.Time,
	verify func(context.Context) (*machineData, error)) {
	defer m.wg.Done()
	data, err := verify(ctx)
	call.stop()
	m.mu.Lock()
	call.data, call.err = data, err
	if m.inflight[key] == call {
		delete(m.inflight, key)
	}
	if !call.abandoned {
		m.storeLocked(key, data, err, now())
	}
	m.mu.Unlock()
	close(call.done)
}

// close cancels the verifications in flight and waits for them; no new one
// starts (remembered answers still serve).
func (m *machineCache) close() {
	m.mu.Lock()
	m.closed = true
	for _, c := range m.inflight {
		c.stop()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// lookupLocked returns the live entry for key, dropping an outdated one.
func (m *machineCache) lookupLocked(key machineKey, now time.Time) *machineEntry {
	if e := m.hits[key]; e != nil {
		if now.Before(e.until) {
			return e
		}
		delete(m.hits, key)
		m.bytes -= e.data.size
	}
	if e := m.fails[key]; e != nil {
		if now.Before(e.until) {
			return e
		}
		delete(m.fails, key)
	}
	return nil
}

// storeLocked remembers a verification. Only *MachineTokenError failures
// are remembered (a missing key or a cancelled wait is not an answer about
// the token).
func (m *machineCache) storeLocked(key machineKey, data *machineData, err error, now time.Time) {
	if m.ttl < 0 {
		return
	}
	if err != nil {
		me, ok := err.(*MachineTokenError)
		if !ok {
			return
		}
		evictMachine(m.fails, nil, 1, nil)
		m.fails[key] = &machineEntry{err: me, until: now.Add(m.negTTL)}
		return
	}
	if data.size > machineMaxEntry {
		return
	}
	until := now.Add(m.ttl)
	if data.expiration != 0 {
		if exp := time.UnixMilli(data.expiration); exp.Before(until) {
			until = exp
		}
	}
	if !now.Before(until) {
		return
	}
	if old := m.hits[key]; old != nil {
		delete(m.hits, key)
		m.bytes -= old.data.size
	}
	evictMachine(m.hits, &m.bytes, data.size, func(e *machineEntry) int64 { return e.data.size })
	m.hits[key] = &machineEntry{data: data, until: until}
	m.bytes += data.size
}

// evictMachine makes room for one entry of size n: entries go in the map's
// (random) order, which costs nothing to maintain and gives an attacker no
// order to exploit.
func evictMachine(mp map[machineKey]*machineEntry, bytes *int64, n int64, size func(*machineEntry) int64) {
	for k, e := range mp {
		if len(mp) < machineCacheEntries && (bytes == nil || *bytes+n <= machineCacheBytes) {
			return
		}
		delete(mp, k)
		if bytes != nil {
			*bytes -= size(e)
		}
	}
}

// len reports the number of remembered hits and failures (tests).
func (m *machineCache) len() (hits, fails int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.hits), len(m.fails)
}

// copyMachineErr gives each request its own error value: a remembered
// failure is shared, and callers may annotate what they receive.
func copyMachineErr(e *MachineTokenError) error {
	if e == nil {
		return nil
	}
	cp := *e
	return &cp
}
