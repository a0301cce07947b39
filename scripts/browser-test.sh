#!/usr/bin/env bash
# Runs the playground's browser tests (web/test/e2e/*.test.mjs, node --test) in Debian's
# Chromium through playwright-core, against dist/ served by `bin/raftplay serve`.
# Needs: make dist build (the Makefile's test-browser does both), npm ci, and Chromium.
# Without Chromium it fails loudly; RAFTPLAY_SKIP_BROWSER=1 skips on purpose, with a
# loud warning. Screenshots land in test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${RAFTPLAY_CHROMIUM:-/usr/bin/chromium}"
banner() {
	echo "################################################################################" >&2
	for line in "$@"; do echo "## $line" >&2; done
	echo "################################################################################" >&2
}

if [ ! -x "$chromium" ]; then
	if [ "${RAFTPLAY_SKIP_BROWSER:-}" = "1" ]; then
		banner "WARNING: THE BROWSER TESTS WERE SKIPPED (RAFTPLAY_SKIP_BROWSER=1)." \
			"$chromium is missing, so the page was NOT tested in a browser." \
			"Install it with:  apt-get update && apt-get install -y chromium"
		exit 0
	fi
	banner "ERROR: $chromium IS MISSING: THE BROWSER TESTS CANNOT RUN." \
		"Install Debian's Chromium with:  apt-get update && apt-get install -y chromium" \
		"(or point RAFTPLAY_CHROMIUM at a Chromium binary; RAFTPLAY_SKIP_BROWSER=1 skips, loudly)."
	exit 1
fi
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
	banner "ERROR: node_modules lacks playwright-core or axe-core." "Run:  npm ci"
	exit 1
fi

echo "browser-test: $("$chromium" --version 2>/dev/null || echo "$chromium")"
node --test --test-concurrency=1 web/test/e2e/*.test.mjs
