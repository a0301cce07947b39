# raftplay — see README.md. `make help` lists the targets; `make check` is the quick
# edit-test loop, `make test` runs every test; `make chaos` and `make fuzz` are the long
# runs. A target's `##` comment is its line in `make help`.

GO        ?= go
BIN       := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
BENCHSTAT_VERSION   := v0.0.0-20260908200009-22c9c6c9d4da

# Packages that must also pass under GOOS=js GOARCH=wasm (Node).
WASM_PKGS := ./engine/... ./memstore/... ./kv/... ./sim/... ./wasm/... ./lessons/...
# Seeds of the chaos slice inside `make test`, and of `make chaos`.
TEST_CHAOS_SEEDS ?= 2000
CHAOS_SEEDS      ?= 100000
# Seeds per unsafe switch in the report of `make chaos` (and in the chaos slice).
TEST_SWITCH_SEEDS ?= 100
SWITCH_SEEDS      ?= 2000
# Budget per fuzz target: 30,000 executions in `make test` (no deadline to race),
# two minutes each in `make fuzz`.
TEST_FUZZ_TIME ?= 30000x
FUZZ_TIME      ?= 2m

.PHONY: all help build check generate test lint vet fmt-check staticcheck test-go test-wasm \
	test-chaos test-fuzz test-bench chaos fuzz bench tools clean

all: build ## the default: build

help: ## list the targets, one line each
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  make %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## build every package and bin/raftplay
	$(GO) build ./...
	$(GO) build -o $(BIN)/raftplay ./cmd/raftplay

# The edit-test loop: what `make test` runs that needs neither a browser nor the Worker,
# minus the chaos, fuzz and benchmark slices.
check: lint test-go test-wasm ## the quick loop: lint, Go tests, the same under GOOS=js (no browser, no Worker)
	@echo "make check: passed (make test also runs chaos, fuzz, the browser and the Worker)"

# The pre-parsed lessons the wasm embeds (lessons/page.json). `make dist` builds the
# page from the lesson files as they are without rewriting it; this refreshes it, and
# the page's copy of the protocol's vocabulary (web/js/vocab.gen.js, from engine and sim).
generate: ## refresh generated files that are checked in (lessons/page.json, web/js/vocab.gen.js)
	$(GO) generate ./...

test: lint test-go test-wasm test-chaos test-fuzz test-bench test-node test-browser lesson-check test-worker ## every test (about 10 minutes on 2 cores with warm caches)
	@echo "make test: all tests passed"

lint: fmt-check vet staticcheck ## gofmt, go vet and staticcheck

fmt-check: ## list Go files gofmt would change
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet: ## go vet, in both modules
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

staticcheck: $(BIN)/staticcheck ## staticcheck, in both modules
	$(BIN)/staticcheck ./...
	cd bench && $(BIN)/staticcheck ./...

test-go: ## all Go tests, natively (incl. the multi-process e2e test)
	$(GO) test -count=1 ./...

test-wasm: ## the engine, sim, lessons and bridge tests under GOOS=js in Node
	scripts/wasm-test.sh -count=1 $(WASM_PKGS)

test-chaos: build ## TEST_CHAOS_SEEDS (2,000) chaos seeds, and TEST_SWITCH_SEEDS (100) per unsafe switch
	$(BIN)/raftplay chaos --seeds $(TEST_CHAOS_SEEDS)
	$(BIN)/raftplay chaos --switches --seeds $(TEST_SWITCH_SEEDS)

test-fuzz: ## a short slice of every fuzz target (TEST_FUZZ_TIME)
	scripts/fuzz.sh $(TEST_FUZZ_TIME)

test-bench: ## the benchmark harness's own tests
	cd bench && $(GO) test -count=1 ./...

chaos: build ## CHAOS_SEEDS (100,000) chaos seeds, then how many of SWITCH_SEEDS (2,000) catch each unsafe switch
	$(BIN)/raftplay chaos --seeds $(CHAOS_SEEDS)
	$(BIN)/raftplay chaos --switches --seeds $(SWITCH_SEEDS)

fuzz: ## every fuzz target for FUZZ_TIME (2 minutes) each
	scripts/fuzz.sh $(FUZZ_TIME)

bench: $(BIN)/benchstat ## the engine and simulator numbers of the README
	scripts/bench.sh

tools: $(BIN)/staticcheck $(BIN)/benchstat ## install staticcheck and benchstat into ./bin

$(BIN)/staticcheck:
	GOBIN=$(BIN) GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/benchstat:
	GOBIN=$(BIN) GOFLAGS= $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

clean: ## remove bin/, dist/ and build/
	rm -rf $(BIN) dist build

# The playground: `make dist` builds the page and the wasm simulator into dist/ (the
# page's scripts bundled and minified by esbuild from node_modules: scripts/bundle-page.mjs),
# `make play` serves it on http://127.0.0.1:8080, `make test-node` runs the bridge's
# JavaScript API tests (node --test) against the built dist/.
.PHONY: dist play test-node

dist: node_modules ## build the page (scripts bundled by esbuild) and the wasm simulator into dist/
	scripts/build-dist.sh dist

play: dist build ## build and serve the playground on http://127.0.0.1:8080
	$(BIN)/raftplay serve --addr 127.0.0.1:8080 --dist dist

test-node: dist ## the bridge's JavaScript API tests (node --test)
	node --test web/test/*.test.mjs

# Native nodes: `make putbench` measures acknowledged PUT/s and latency of three local
# node processes (fsync on) with 1 and 64 clients, and the same load against three
# local etcd members when `etcd` is on the PATH (Debian: apt-get install etcd-server);
# `make test` already runs the multi-process end-to-end test (e2e/, part of test-go).
.PHONY: putbench

putbench: build ## PUT/s and latency of three native nodes
	$(GO) run ./e2e/cmd/putbench -bin $(BIN)/raftplay

# Damaged disks: `make diskfaults` runs 30 rounds of SIGKILL plus one random disk fault
# (a cut or zeroed tail, a flipped byte, a deleted state or log file) on one of three node
# processes under concurrent writers, and checks that no acknowledged write is lost
# (e2e.TestDiskFaults; `make test` runs 3 rounds of it).
.PHONY: diskfaults
DISKFAULT_ROUNDS ?= 30

diskfaults: ## DISKFAULT_ROUNDS (30) rounds of SIGKILL plus a random disk fault on real nodes
	RAFTPLAY_DISKFAULT_ROUNDS=$(DISKFAULT_ROUNDS) $(GO) test -count=1 -run '^TestDiskFaults$$' -v -timeout 30m ./e2e/

# The page in a real browser: end-to-end and accessibility tests in Debian's Chromium
# (playwright-core and axe-core from `npm ci`), and the performance numbers (`make perf`).
.PHONY: test-browser perf live-perf

test-browser: dist build node_modules ## the page in headless Chromium (e2e and axe)
	scripts/browser-test.sh

perf: dist build node_modules ## the playground's performance numbers in Chromium
	node scripts/perf.mjs

live-perf: dist build node_modules ## the live page's frame rate under 64 writers and a flood, against an empty page
	node scripts/live-perf.mjs

# Lessons: replay every lesson's reference path through the engine, and check that no
# step's check passes without its action.
.PHONY: lesson-check

lesson-check: build ## replay every lesson's reference path and check it
	$(BIN)/raftplay lesson check

# The Cloudflare Worker (wasm/worker, wrangler.toml): `make worker` builds build/worker/
# (the Go Worker plus the page as its static assets), `make worker-dev` runs it offline
# on http://127.0.0.1:8787 with a local KV, `make test-worker` tests it end to end
# (wrangler dev and Chromium), `make worker-cpu` measures the CPU of POST /api/share.
.PHONY: worker worker-dev test-worker worker-cpu

worker: dist ## build the Cloudflare Worker into build/worker/
	scripts/worker-build.sh build/worker

worker-dev: worker node_modules ## run the Worker offline on http://127.0.0.1:8787
	scripts/worker-dev.sh

test-worker: worker node_modules ## the Worker end to end (wrangler dev and Chromium)
	scripts/worker-test.sh

worker-cpu: worker ## measure the CPU time of POST /api/share
	node web/test/worker-cpu.mjs

# The npm packages the browser, Worker and performance tests use (playwright-core,
# axe-core, wrangler) and the page's build uses (esbuild),
# installed from package-lock.json when it changes.
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules
