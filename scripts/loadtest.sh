#!/usr/bin/env bash
# HTTP load test on loopback: the chi example's protected route with a warm
# (repeated) session token against its public route, same server, same run.
# Bounded: DURATION per route (default 10s). Needs wrk (Debian package).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-10s}
addr=${ADDR:-127.0.0.1:18181}
out=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT

(cd "$root/examples" && go build -o "$out/chi-example" ./chi)
ADDR=$addr "$out/chi-example" >"$out/banner.txt" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q "^curl" "$out/banner.txt" 2>/dev/null && break; sleep 0.2; done
token=$(grep -m1 "Authorization: Bearer ey" "$out/banner.txt" | sed -E "s/.*Bearer ([^']+)'.*/\1/")
[ -n "$token" ] || { echo "loadtest: no token in the example's banner"; cat "$out/banner.txt"; exit 1; }

run() { # name, path, extra wrk args...
	local name=$1 path=$2; shift 2
	wrk -t2 -c32 -d"$duration" --latency "$@" "http://$addr$path" >"$out/$name.txt"
	# Every answer of the run must have been a 2xx: wrk counts the others
	# (and socket errors) but exits 0.
	if grep -qE "Non-2xx or 3xx responses|Socket errors" "$out/$name.txt"; then
		echo "loadtest: $name: not every request was answered 200:" >&2
		grep -E "Non-2xx or 3xx responses|Socket errors" "$out/$name.txt" >&2
		exit 1
	fi
	awk -v n="$name" '/Requests\/sec/ {print n, $2}' "$out/$name.txt"
}
echo "wrk -t2 -c32 -d$duration against the chi example on $addr ($(nproc) CPUs shared by client and server)"
public=$(run public /api/public | awk '{print $2}')
protected=$(run protected /api/me -H "Authorization: Bearer $token" | awk '{print $2}')
# The protected route must really have been served (200), not refused.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://$addr/api/me")
[ "$code" = 200 ] || { echo "loadtest: /api/me answered $code with the token"; exit 1; }
grep -E "Latency|50%|99%" "$out/public.txt" | sed 's/^/  public:    /'
grep -E "Latency|50%|99%" "$out/protected.txt" | sed 's/^/  protected: /'
awk -v p="$public" -v q="$protected" 'BEGIN {
	printf "| route | requests/s |\n| --- | ---: |\n| /api/public (no auth) | %.0f |\n| /api/me (Protect, warm token) | %.0f |\n", p, q
	printf "protected / public throughput: %.2f\n", q / p }'
