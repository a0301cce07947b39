#!/usr/bin/env bash
# Builds the Cloudflare Worker (wasm/worker) into a folder (default build/worker) that
# wrangler.toml points at:
#   worker.mjs, runtime.mjs, wasm_exec.js: syumai/workers' loader (workers-assets-gen -mode=go,
#     at the version go.mod requires);
#   app.wasm: ./wasm/worker built with GOOS=js GOARCH=wasm (the Worker itself);
#   assets/: the built page (dist/, from `make dist`) without its .br/.gz copies, since
#     Cloudflare compresses on its own, plus the _headers file of its security headers.
# The new folder replaces the old one only once it is complete. At the end it prints the
# Worker's size, raw and gzip-compressed (Cloudflare's limit, 3 MB on the free plan, is
# on the compressed upload).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/worker}"
dist="${DIST:-dist}"

if [ ! -f "$dist/index.html" ] || [ ! -f "$dist/app.wasm" ]; then
	echo "worker-build: $dist/ holds no built page: run \`make dist\` first" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
stage="$(mktemp -d "$(dirname "$out")/.worker-build.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

go run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o "$stage"
GOOS=js GOARCH=wasm go build -trimpath -ldflags "-s -w" -o "$stage/app.wasm" ./wasm/worker

mkdir "$stage/assets"
cp -R "$dist/." "$stage/assets/"
find "$stage/assets" -type f \( -name '*.br' -o -name '*.gz' \) -delete
go run ./wasm/worker/headers "$stage/assets" >"$stage/assets/_headers.new"
mv "$stage/assets/_headers.new" "$stage/assets/_headers"

rm -rf "$out"
mv "$stage" "$out"
trap - EXIT

raw=0 gz=0
for f in "$out"/*.mjs "$out"/*.js "$out"/app.wasm; do
	raw=$((raw + $(wc -c <"$f")))
	gz=$((gz + $(gzip -9 -n -c "$f" | wc -c)))
done
echo "worker: built $out/ (Worker $raw B raw, $gz B gzip; assets from $dist/)"
# Cloudflare refuses a Worker over 3 MB compressed on the free plan.
limit=3000000
if [ "$gz" -gt "$limit" ]; then
	echo "worker: the Worker is $gz B compressed, over the free plan's limit of $limit B" >&2
	exit 1
fi
