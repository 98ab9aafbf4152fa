#!/usr/bin/env bash
# Dashboard page benchmarks (issue 6): server time of every page (p50,
# p95, p99 over 200 requests each), a bounded load test of 32 concurrent
# clients on loopback, and the bytes of a first visit, on the synthetic
# city (seed 1, 2019–2025) with a benefit-per-mu evaluation of the latest
# year. Everything runs in a temporary directory that is removed at the
# end; the server listens on 127.0.0.1 only and is stopped by its PID.
# Prints the figures; copy them to BENCHMARKS.md.
# Usage: [SCALE=national] bench/pages.sh [-n 200] [-c 32] [-per 50] [-nocache]
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
make -s assets
go build -o "$tmp/indus" ./cmd/indus
go build -o "$tmp/pageload" ./bench/pageload
bin=$tmp/indus
scale=${SCALE:-city}
"$bin" gen --out "$tmp/data" --seed 1 --scale "$scale" >/dev/null
"$bin" import --quiet --db "$tmp/city.duckdb" "$tmp/data/enterprises.csv" "$tmp/data/annual.csv" "$tmp/data/monthly.csv" >"$tmp/import.log" 2>&1 ||
  { echo "import failed:"; grep -v 'warning:' "$tmp/import.log" | tail -n 20; exit 1; }
# Two evaluation runs (the page compares them), when this build has the
# evaluate command.
"$bin" evaluate --db "$tmp/city.duckdb" --scheme chongqing-2023 --year 2024 >/dev/null 2>&1 || echo "note: no evaluation run (indus evaluate failed)"
"$bin" evaluate --db "$tmp/city.duckdb" --scheme chongqing-2023 --year 2025 --uncertainty 200 >/dev/null 2>&1 || true
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Every page needs a sign-in: an analyst account and its token.
echo "bench analyst password" | "$bin" user add bench --role analyst --password-stdin --db "$tmp/city.duckdb" >/dev/null
echo "bench admin password" | "$bin" user add bench-admin --role admin --password-stdin --db "$tmp/city.duckdb" >/dev/null
token=$("$bin" user token bench --db "$tmp/city.duckdb" 2>/dev/null)
"$bin" serve --db "$tmp/city.duckdb" --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3), $scale dataset (seed 1, 2019–2025), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/pageload" -base "http://127.0.0.1:$port" -token "$token" "$@"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share the cores: compare runs at similar load)"
