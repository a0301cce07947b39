#!/usr/bin/env bash
# Builds the playground into a folder (default dist/) that `raftplay serve` serves:
#   the page: web/ without web/test (index.html, css/, js/), with the stylesheets
#     index.html links put together as css/page.css and the ES modules of js/ bundled
#     and minified (scripts/bundle-page.mjs);
#   app.wasm: ./wasm built with GOOS=js GOARCH=wasm (tag lazylessons: no lessons inside;
#     tag litejson: no encoding/json scanner for share.Canonical's error type, which the
#     page does not use: its JSON is internal/jsonlite's);
#   lessons.json: the lessons, pre-parsed, which the page fetches when one is first opened;
#   wasm_exec.js: Go's loader for it, from the same GOROOT as the compiler (the two must
#     match), minified;
#   a .gz sibling of every text and wasm file (gzip -9) and a .br one when brotli is installed.
# The new folder replaces the old one only once it is complete. At the end it prints
# what the page downloads (wasm, JS, CSS, HTML), raw and compressed.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"

goroot="$(go env GOROOT)"
rev="$(git describe --always --dirty 2>/dev/null || echo devel)"
stage="$(mktemp -d "$PWD/.dist-build.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

# The page, without its tests.
(cd web && find . -path ./test -prune -o -type f -print) | while IFS= read -r f; do
	mkdir -p "$stage/$(dirname "$f")"
	cp "web/$f" "$stage/$f"
done

# The page's stylesheets as one file, css/page.css: index.html links each of web/css/ in
# order; the build puts them together, in that order, and links the one file instead
# (one response instead of five, and one brotli context: 3 kB less to download). The
# files it was made of are left out of dist/: nothing else links them (the live mode's
# css/live.css is not among them).
links="$(sed -n 's|^<link rel="stylesheet" href="\(css/[a-z0-9-]*\.css\)">$|\1|p' "$stage/index.html")"
if [ -z "$links" ]; then
	echo "dist: index.html links no stylesheet in the form <link rel=\"stylesheet\" href=\"css/NAME.css\">" >&2
	exit 1
fi
for f in $links; do cat "$stage/$f"; done >"$stage/css/page.css.new"
for f in $links; do rm "$stage/$f"; done
mv "$stage/css/page.css.new" "$stage/css/page.css"
awk '/^<link rel="stylesheet" href="css\/[a-z0-9-]*\.css">$/ { if (!done) print "<link rel=\"stylesheet\" href=\"css/page.css\">"; done = 1; next } { print }' \
	"$stage/index.html" >"$stage/index.html.new"
mv "$stage/index.html.new" "$stage/index.html"

# The lessons, pre-parsed (lessons.PageJSON), as lessons.json: the page fetches it when
# the learner first opens a lesson (or follows a lesson link), so the wasm, built with the
# lazylessons tag, carries none of it. It is made from the lesson files as they are now,
# so an edited lesson reaches the page without another step; the tracked copy,
# lessons/page.json (which the wasm tests embed), is refreshed by `make generate`; until
# then TestPageJSONIsCurrent fails, and this says so.
(cd lessons && go run ./internal/pagejson -o "$stage/lessons.json")
if ! cmp -s "$stage/lessons.json" lessons/page.json; then
	echo "dist: lessons/page.json is stale; the page gets the lessons as they are now; run \`make generate\` to refresh the tracked copy" >&2
fi

# The page's copy of the protocol's vocabulary (js/vocab.gen.js), likewise: generated
# from engine and sim as they are now into the page, never over the tracked copy, which
# `make generate` refreshes (TestModuleIsCurrent fails until then).
go run ./sim/internal/vocabjs -o "$stage/js/vocab.gen.js"
if ! cmp -s "$stage/js/vocab.gen.js" web/js/vocab.gen.js; then
	echo "dist: web/js/vocab.gen.js is stale; the page gets the vocabulary as it is now; run \`make generate\` to refresh the tracked copy" >&2
fi

# The page's JavaScript, bundled and minified by esbuild (scripts/bundle-page.mjs, from
# node_modules at the version package-lock.json pins): index.html's module script and
# each module loaded on first use (import('./NAME.js')) keep their names, the code they
# share goes into js/chunk-HASH.js; js/bridge.js and js/share-api.js stay importable on
# their own; the classic scripts (js/preload.js, Go's wasm_exec.js) are minified alone;
# every file gets a source map beside it. The modules of web/js/ are the sources, which
# the Node tests import as they are.
if [ ! -f node_modules/esbuild/package.json ]; then
	echo "dist: node_modules/esbuild is missing (it bundles the page's JavaScript): run \`npm ci\`" >&2
	exit 1
fi
cp "$goroot/lib/wasm/wasm_exec.js" "$stage/wasm_exec.js"
node scripts/bundle-page.mjs "$stage"

# The wasm's size is most of the page's (see TestPageSize in serve/). Two choices keep it
# down without slowing the simulator:
#   - GOWASM=satconv,signext: float-to-int and sign-extension as single instructions
#     (every browser since 2019) instead of helper sequences;
#   - no inlining (-l) in the packages that are big but cold while the page plays: fmt
#     and encoding/json with reflect (narration text, state snapshots), the lessons and
#     the bridge. A call site costs a resume point in Go's wasm, but an inlined body
#     costs its whole size at every call site: for these packages that was 30 kB
#     brotli. The engine too: 17 kB brotli, for a fast-forward about 5% slower (100,000
#     ticks with two clients under Node, interleaved runs, within the noise of a shared
#     box); it made room under the page's 1,000 kB once membership changes (§6) came in.
#     The hottest packages (runtime, sim, kv, memstore) keep inlining: without it
#     everywhere fast-forward ran 1.3-1.6 times slower. internal/jsonlite too is built
#     without: its small writers inlined into every member of every format cost 20 kB
#     brotli, for no measurable gain on a state snapshot.
pkg=github.com/raftplay/raftplay
noinline=()
for p in fmt internal/fmtsort encoding/json reflect "$pkg/engine" "$pkg/lessons" "$pkg/wasm/bridge" "$pkg/wasm" "$pkg/internal/jsonlite"; do
	noinline+=("-gcflags=$p=-l")
done
GOOS=js GOARCH=wasm GOWASM=satconv,signext go build -trimpath -tags lazylessons,litejson "${noinline[@]}" \
	-ldflags "-s -w -X github.com/raftplay/raftplay/wasm/bridge.BuildVersion=$rev" \
	-o "$stage/app.wasm" ./wasm

have_brotli=false
if command -v brotli >/dev/null 2>&1; then
	have_brotli=true
fi
find "$stage" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.mjs' -o -name '*.css' \
	-o -name '*.html' -o -name '*.svg' -o -name '*.json' -o -name '*.txt' -o -name '*.map' \) |
	while IFS= read -r f; do
		gzip -9 -n -c "$f" >"$f.gz"
		if $have_brotli; then
			brotli -q 11 -c "$f" >"$f.br"
		fi
	done

rm -rf "$out"
mv "$stage" "$out"
trap - EXIT

# What the page downloads, raw and as served compressed (br when there, else gzip).
raw=0 gz=0 br=0
while IFS= read -r f; do
	raw=$((raw + $(wc -c <"$f")))
	gz=$((gz + $(wc -c <"$f.gz")))
	if [ -f "$f.br" ]; then br=$((br + $(wc -c <"$f.br"))); fi
done < <(find "$out" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.html' \))
wasm_raw=$(wc -c <"$out/app.wasm")
wasm_gz=$(wc -c <"$out/app.wasm.gz")
echo "dist: built $out/ ($rev)"
echo "dist: app.wasm ${wasm_raw} B raw, ${wasm_gz} B gzip$($have_brotli && echo ", $(wc -c <"$out/app.wasm.br") B brotli")"
echo "dist: page total (wasm+js+css+html) ${raw} B raw, ${gz} B gzip$($have_brotli && echo ", ${br} B brotli")"
echo "dist: lessons.json (fetched when a lesson is first opened) $(wc -c <"$out/lessons.json") B raw, $(wc -c <"$out/lessons.json.gz") B gzip$($have_brotli && echo ", $(wc -c <"$out/lessons.json.br") B brotli")"
if ! $have_brotli; then
	echo "dist: brotli is not installed (apt-get install -y brotli): only .gz siblings were made" >&2
fi
