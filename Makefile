# clerkguard: one Makefile for every module of the workspace.
# `go test ./...` at the root skips nested modules, so every target loops over them.

MODULES      := core gin echo chi fiber examples bench
STATICCHECK  := honnef.co/go/tools/cmd/staticcheck@v0.8.2
TOOLS        := $(CURDIR)/.tools
FUZZTIME     ?= 10s
BENCHTIME    ?= 1s

.PHONY: all test isolated lint bench bench-all loadtest fuzz soak interop e2e run tidy fmt

all: test

## test: go vet and the race-enabled tests of every workspace module
test:
	@set -e; for m in $(MODULES); do \
		echo "== $$m: vet"; (cd $$m && go vet ./...); \
		echo "== $$m: test"; (cd $$m && go test -race -count=1 ./...); \
	done

## isolated: each module alone, the way its users build it (no go.work, go.sum must be complete)
isolated:
	@set -e; for m in $(MODULES); do \
		echo "== $$m: isolated"; (cd $$m && GOWORK=off GOFLAGS=-mod=readonly go test -count=1 ./...); \
	done

## lint: gofmt and staticcheck (pinned, installed into .tools/)
lint: $(TOOLS)/staticcheck
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do echo "== $$m: staticcheck"; (cd $$m && $(TOOLS)/staticcheck ./...); done

$(TOOLS)/staticcheck:
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install $(STATICCHECK)

## bench: clerkguard next to the RSA floor and its peers in one run, as a table of ratios
## (raw output in .out/bench.txt); `make bench-all` runs every module's benchmarks
BENCHCOUNT ?= 3
bench:
	@mkdir -p .out
	@# BENCHCOUNT rounds of every row, one after the other, so that the
	@# machine's noise falls on every row alike; the table takes medians.
	cd bench && go test -c -o ../.out/bench.test . && : > ../.out/bench.txt && \
	  for i in $$(seq $(BENCHCOUNT)); do \
	    ../.out/bench.test -test.run '^$$' -test.bench . -test.benchmem -test.benchtime $(BENCHTIME) >> ../.out/bench.txt || { cat ../.out/bench.txt; exit 1; }; \
	  done
	cd bench && go run ./cmd/benchtable < ../.out/bench.txt

bench-all:
	@set -e; for m in $(MODULES); do (cd $$m && go test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...); done

## fuzz: every fuzz target for FUZZTIME each (a duration, 10s, or an execution count, 20000x)
fuzz:
	@FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh $(MODULES)

## soak: mixed traffic (valid, expired, forged, machine, anonymous) from concurrent clients against
## the chi example's API on loopback with clerkdev behind it, a key rotation and a JWKS outage in
## the middle; zero wrong decisions, bounded heap; prints the figures. SOAK_DURATION bounds it
## (the run also stops at SOAK_REQUESTS requests).
SOAK_DURATION ?= 60s
SOAK_REQUESTS ?= 2000000
soak:
	cd examples && CLERKGUARD_SOAK=1 CLERKGUARD_SOAK_DURATION=$(SOAK_DURATION) CLERKGUARD_SOAK_REQUESTS=$(SOAK_REQUESTS) \
		go test -count=1 -timeout 3m -run '^TestSoak$$' -v ./soak

## interop: differential tests against Clerk's own JavaScript (Node.js and npm; pinned in interop/)
interop:
	cd interop && npm ci --no-audit --no-fund
	cd core && CLERKGUARD_INTEROP=1 go test -count=1 -run '^TestInterop' -v .

## e2e: the browser flow of the Gin example (sign-in, organization sync, a permission, session
## refresh, sign-out) in Debian's headless chromium, installed with apt-get when missing; the same
## flow against the Echo, chi and Fiber examples; a restarted example and two apps side by side.
## Steps printed as they pass, screenshots in examples/e2e/screenshots/
E2E_TIMEOUT ?= 8m
e2e:
	@command -v chromium >/dev/null 2>&1 || (export DEBIAN_FRONTEND=noninteractive; apt-get update && apt-get install -y chromium)
	cd examples && CLERKGUARD_E2E=1 CLERKGUARD_CHROMIUM="$$(command -v chromium)" \
		go test -count=1 -v -timeout $(E2E_TIMEOUT) -run '^TestBrowser' ./e2e

## loadtest: wrk on loopback against the chi example, protected (warm token) vs public route
loadtest:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	./scripts/loadtest.sh

## run: the main job, an example API protected by clerkguard
run:
	go run ./examples/gin

fmt:
	gofmt -w $(MODULES)
