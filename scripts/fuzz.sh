#!/usr/bin/env bash
# Runs every fuzz target of the given modules for $FUZZTIME (default 10s) each.
# `go test -fuzz` takes one target and one package at a time, so targets are
# listed first with `go test -list`.
set -euo pipefail
fuzztime=${FUZZTIME:-10s}
root=$(cd "$(dirname "$0")/.." && pwd)
count=0
for m in "$@"; do
	cd "$root/$m"
	for pkg in $(go list ./...); do
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			echo "== fuzz $pkg $target ($fuzztime)"
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
			count=$((count + 1))
		done
	done
done
echo "fuzz: $count targets run for $fuzztime each"
