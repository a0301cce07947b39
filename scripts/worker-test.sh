#!/usr/bin/env bash
# Tests the built Worker (build/worker, from `make worker`) end to end and offline:
# web/test/worker-e2e.mjs starts it with `wrangler dev --local` on 127.0.0.1 (a fresh
# local KV each run), checks the page, app.wasm, the share API and its 4xx answers, loads
# the playground in Debian's Chromium, and stops it. Needs `npm ci` (wrangler,
# playwright-core) and Chromium, like scripts/browser-test.sh. Screenshots land in
# test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium="${RAFTPLAY_CHROMIUM:-/usr/bin/chromium}"
for need in node_modules/.bin/wrangler node_modules/playwright-core/package.json build/worker/app.wasm "$chromium"; do
	if [ ! -e "$need" ]; then
		echo "worker-test: $need is missing (npm ci; make worker; apt-get install -y chromium)" >&2
		exit 1
	fi
done
node --test --test-concurrency=1 web/test/worker-e2e.mjs
