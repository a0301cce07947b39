#!/usr/bin/env bash
# Runs the built Worker (build/worker, from `make worker`) locally and offline with
# wrangler dev: workerd on http://127.0.0.1:${PORT:-8787}, the static assets from
# build/worker/assets and a local KV namespace kept in raftplay-data/worker/ (so shared
# links survive a restart). Nothing is sent to Cloudflare: no login, no metrics, no
# request.cf look-up. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8787}"
if [ ! -x node_modules/.bin/wrangler ]; then
	echo "worker-dev: node_modules/.bin/wrangler is missing: run \`npm ci\`" >&2
	exit 1
fi
if [ ! -f build/worker/app.wasm ]; then
	echo "worker-dev: build/worker/ is not built: run \`make worker\`" >&2
	exit 1
fi
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
exec node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port "$port" \
	--persist-to raftplay-data/worker
