package clerk

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMachineCacheBounded(t *testing.T) {
	t.Parallel()
	m := newMachineCache(time.Minute)
	now := time.Unix(1_800_000_000, 0)
	for i := range machineCacheEntries + 500 {
		key := sha256.Sum256([]byte("ak_" + strconv.Itoa(i)))
		m.storeLocked(key, &machineData{tt: APIKey, subject: "user_1", size: 600}, nil, now)
		m.storeLocked(sha256.Sum256(key[:]), nil, &MachineTokenError{Code: MachineErrTokenInvalid}, now)
	}
	hits, fails := m.len()
	if hits > machineCacheEntries || fails > machineCacheEntries {
		t.Errorf("%d hits, %d failures; bound %d each", hits, fails, machineCacheEntries)
	}

	// The byte bound: large answers push others out; a huge one is not kept.
	m = newMachineCache(time.Minute)
	for i := range 1000 {
		m.storeLocked(sha256.Sum256([]byte(strconv.Itoa(i))), &machineData{size: machineMaxEntry}, nil, now)
	}
	if m.bytes > machineCacheBytes {
		t.Errorf("%d bytes cached, bound %d", m.bytes, machineCacheBytes)
	}
	before, _ := m.len()
	m.storeLocked(sha256.Sum256([]byte("huge")), &machineData{size: machineMaxEntry + 1}, nil, now)
	if after, _ := m.len(); after != before {
		t.Error("an answer larger than machineMaxEntry was cached")
	}
}

func TestMachineCacheEntryLifetime(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	key := sha256.Sum256([]byte("ak_x"))
	tests := []struct {
		name string
		ttl  time.Duration
		data *machineData
		err  error
		live time.Duration // how long the entry answers; 0: not stored
	}{
		{"hit, default TTL", 0, &machineData{}, nil, DefaultMachineTokenCacheTTL},
		{"hit, expiring before the TTL", time.Minute, &machineData{expiration: now.Add(3 * time.Second).UnixMilli()}, nil, 3 * time.Second},
		{"hit, expiring after the TTL", time.Minute, &machineData{expiration: now.Add(time.Hour).UnixMilli()}, nil, time.Minute},
		{"hit, already expired", time.Minute, &machineData{expiration: now.UnixMilli()}, nil, 0},
		{"failure", time.Minute, nil, &MachineTokenError{Code: MachineErrTokenInvalid}, machineNegativeTTL},
		{"failure, TTL below the negative TTL", time.Second, nil, &MachineTokenError{Code: MachineErrTokenInvalid}, time.Second},
		{"not a token answer", time.Minute, nil, &ConfigError{}, 0},
		{"disabled", -1, &machineData{}, nil, 0},
		{"disabled failure", -1, nil, &MachineTokenError{}, 0},
	}
	for _, tt := range tests {
		m := newMachineCache(tt.ttl)
		m.storeLocked(key, tt.data, tt.err, now)
		if tt.live == 0 {
			if e := m.lookupLocked(key, now); e != nil {
				t.Errorf("%s: stored", tt.name)
			}
			continue
		}
		if e := m.lookupLocked(key, now.Add(tt.live-time.Nanosecond)); e == nil {
			t.Errorf("%s: gone before %v", tt.name, tt.live)
		}
		if e := m.lookupLocked(key, now.Add(tt.live)); e != nil {
			t.Errorf("%s: still answering at %v", tt.name, tt.live)
		}
		if h, f := m.len(); h+f != 0 {
			t.Errorf("%s: outdated entry not dropped", tt.name)
		}
	}
}

// The cache never holds the token, only its SHA-256.
func TestMachineCacheHoldsNoToken(t *testing.T) {
	t.Parallel()
	const token = "ak_secretsecretsecretsecret"
	m := newMachineCache(0)
	d, err := m.do(context.Background(), sha256.Sum256([]byte(token)), time.Now, time.Second, func(context.Context) (*machineData, error) {
		return &machineData{tt: APIKey, id: "ak_id", subject: "user_1"}, nil
	})
	if err != nil || d == nil {
		t.Fatal(err)
	}
	m.do(context.Background(), sha256.Sum256([]byte(token+"2")), time.Now, time.Second, func(context.Context) (*machineData, error) {
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: "API key not found"}
	})
	dump := fmt.Sprintf("%#v %#v %#v", m.hits, m.fails, m)
	for _, e := range m.hits {
		dump += fmt.Sprintf("%#v", *e.data)
	}
	if strings.Contains(dump, "secretsecret") {
		t.Error("the cache holds the token")
	}
}

// A waiter whose context ends stops waiting; the call goes on for the
// others and its answer is remembered.
func TestMachineCacheWaiterCancelled(t *testing.T) {
	t.Parallel()
	m := newMachineCache(0)
	key := sha256.Sum256([]byte("ak_x"))
	release := make(chan struct{})
	verify := func(ctx context.Context) (*machineData, error) {
		select {
		case <-release:
			return &machineData{tt: APIKey, subject: "user_1"}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := m.do(ctx, key, time.Now, time.Minute, verify)
		done <- err
	}()
	for {
		m.mu.Lock()
		n := len(m.inflight)
		m.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	var me *MachineTokenError
	if !errors.As(err, &me) || me.Code != MachineErrUnexpected || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	close(release)
	d, err := m.do(context.Background(), key, time.Now, time.Minute, verify)
	if err != nil || d.subject != "user_1" {
		t.Fatalf("after the call: %v, %v", d, err)
	}
}

// The shared call has its own deadline, so a Backend API that never
// answers does not hold a token's waiters forever.
func TestMachineCacheCallTimeout(t *testing.T) {
	t.Parallel()
	m := newMachineCache(0)
	_, err := m.do(context.Background(), sha256.Sum256([]byte("ak_x")), time.Now, 20*time.Millisecond, func(ctx context.Context) (*machineData, error) {
		<-ctx.Done()
		return nil, &MachineTokenError{Code: MachineErrUnexpected, Message: "Unexpected error", Err: ctx.Err()}
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the call's deadline", err)
	}
}

// Remembered failures are copied for each request.
func TestMachineCacheErrorsAreNotShared(t *testing.T) {
	t.Parallel()
	m := newMachineCache(0)
	key := sha256.Sum256([]byte("ak_x"))
	verify := func(context.Context) (*machineData, error) {
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: "API key not found", Status: 404}
	}
	_, e1 := m.do(context.Background(), key, time.Now, time.Second, verify)
	_, e2 := m.do(context.Background(), key, time.Now, time.Second, verify)
	if e1 == e2 || e1.Error() != e2.Error() {
		t.Errorf("errors %p %p (%v, %v)", e1, e2, e1, e2)
	}
}
