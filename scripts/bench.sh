#!/usr/bin/env bash
# The performance numbers the README reports, each with the command that reproduces it:
#   1. the engine against etcd raft, natively and under Node (bench/cmd/compare);
#   2. the simulator's delivered messages per second (sim.BenchmarkDeliver), 6 runs,
#      summarised by benchstat.
# The machine is shared and noisy: read ratios within one run, not absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/bin"
goroot="$(go env GOROOT)"

echo "== engine vs etcd raft v3.7.0, native"
(cd bench && go run ./cmd/compare)

echo "== engine vs etcd raft v3.7.0, GOOS=js GOARCH=wasm under Node"
(cd bench && env -i PATH="$goroot/lib/wasm:$goroot/bin:$(dirname "$(command -v node)"):/usr/bin:/bin" \
	HOME="${HOME:-/root}" GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" \
	GOFLAGS=-buildvcs=false GOOS=js GOARCH=wasm go run ./cmd/compare)

echo "== simulator: simulated messages delivered per second"
out="$(mktemp)"
go test ./sim -run '^$' -bench 'BenchmarkDeliver' -count 6 | tee "$out"
"$bin/benchstat" "$out"
