#!/usr/bin/env bash
# Runs every fuzz target of the given modules for $FUZZTIME (default 10s)
# each. FUZZTIME is what `go test -fuzztime` takes: a duration ("10s") or an
# execution count ("20000x"). CI uses a count: with a duration, Go's fuzz
# coordinator (go1.26 and older, golang/go#75804) can report a spurious
# "context deadline exceeded" failure when the deadline fires while a starved
# worker is mid-call; a count has no deadline to race, so a loaded machine
# only makes the run slower. `go test -fuzz` takes one target and one package at a time, so the
# targets are listed first with `go test -list`. Each target's committed
# corpus (testdata/fuzz/<FuzzName>/) is its starting point; a crash writes
# the failing input there and fails the run: commit it as a regression case.
set -euo pipefail
fuzztime=${FUZZTIME:-10s}
root=$(cd "$(dirname "$0")/.." && pwd)

targets=()
for m in "$@"; do
	cd "$root/$m"
	for pkg in $(go list ./...); do
		# Only packages with a Fuzz function are compiled for listing.
		dir=$(go list -f '{{.Dir}}' "$pkg")
		grep -qs '^func Fuzz' "$dir"/*_test.go || continue
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			targets+=("$m $pkg $target")
		done
	done
done
echo "fuzz: ${#targets[@]} targets, $fuzztime each"

start=$SECONDS
count=0
for t in "${targets[@]}"; do
	read -r m pkg target <<<"$t"
	dir=$(cd "$root/$m" && go list -f '{{.Dir}}' "$pkg")
	seeds=0
	if [ -d "$dir/testdata/fuzz/$target" ]; then
		seeds=$(find "$dir/testdata/fuzz/$target" -type f | wc -l)
	fi
	echo "== fuzz $pkg $target ($fuzztime, $seeds corpus files)"
	(cd "$root/$m" && go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg")
	count=$((count + 1))
done
echo "fuzz: $count targets run for $fuzztime each in $((SECONDS - start))s, no crash"
