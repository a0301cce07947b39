#!/usr/bin/env bash
# Runs `go test` for GOOS=js GOARCH=wasm under Node.
#
# The wasm program receives the whole environment and fails when it is larger than
# about 8 KB, so the test runs under `env -i` with only what Go and Node need.
set -euo pipefail
goroot="$(go env GOROOT)"
node_dir="$(dirname "$(command -v node || { echo 'wasm-test: node is not installed (apt-get install -y nodejs)' >&2; exit 1; })")"
exec env -i \
	PATH="$goroot/lib/wasm:$goroot/bin:$node_dir:/usr/local/bin:/usr/bin:/bin" \
	HOME="${HOME:-/root}" \
	GOCACHE="$(go env GOCACHE)" \
	GOMODCACHE="$(go env GOMODCACHE)" \
	GOPROXY="$(go env GOPROXY)" \
	GOFLAGS=-buildvcs=false \
	GOOS=js GOARCH=wasm \
	go test "$@"
