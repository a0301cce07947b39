# raftplay — see README.md. `make test` runs every test; `make chaos` and `make fuzz`
# are the long runs.

GO        ?= go
BIN       := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
BENCHSTAT_VERSION   := v0.0.0-20260908200009-22c9c6c9d4da

# Packages that must also pass under GOOS=js GOARCH=wasm (Node).
WASM_PKGS := ./engine/... ./memstore/... ./kv/... ./sim/... ./wasm/... ./lessons/...
# Seeds of the chaos slice inside `make test`, and of `make chaos`.
TEST_CHAOS_SEEDS ?= 2000
CHAOS_SEEDS      ?= 100000
# Budget per fuzz target: 30,000 executions in `make test` (no deadline to race),
# two minutes each in `make fuzz`.
TEST_FUZZ_TIME ?= 30000x
FUZZ_TIME      ?= 2m

.PHONY: all build test lint vet fmt-check staticcheck test-go test-wasm test-chaos \
	test-fuzz test-bench chaos fuzz bench tools clean

all: build

build:
	$(GO) build ./...
	$(GO) build -o $(BIN)/raftplay ./cmd/raftplay

test: lint test-go test-wasm test-chaos test-fuzz test-bench test-node test-browser lesson-check test-worker
	@echo "make test: all tests passed"

lint: fmt-check vet staticcheck

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

staticcheck: $(BIN)/staticcheck
	$(BIN)/staticcheck ./...
	cd bench && $(BIN)/staticcheck ./...

test-go:
	$(GO) test -count=1 ./...

test-wasm:
	scripts/wasm-test.sh -count=1 $(WASM_PKGS)

test-chaos: build
	$(BIN)/raftplay chaos --seeds $(TEST_CHAOS_SEEDS)

test-fuzz:
	scripts/fuzz.sh $(TEST_FUZZ_TIME)

test-bench:
	cd bench && $(GO) test -count=1 ./...

chaos: build
	$(BIN)/raftplay chaos --seeds $(CHAOS_SEEDS)

fuzz:
	scripts/fuzz.sh $(FUZZ_TIME)

bench: $(BIN)/benchstat
	scripts/bench.sh

tools: $(BIN)/staticcheck $(BIN)/benchstat

$(BIN)/staticcheck:
	GOBIN=$(BIN) GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/benchstat:
	GOBIN=$(BIN) GOFLAGS= $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

clean:
	rm -rf $(BIN) dist build

# The playground: `make dist` builds the page and the wasm simulator into dist/,
# `make play` serves it on http://127.0.0.1:8080, `make test-node` runs the bridge's
# JavaScript API tests (node --test) against the built dist/.
.PHONY: dist play test-node

dist:
	scripts/build-dist.sh dist

play: dist build
	$(BIN)/raftplay serve --addr 127.0.0.1:8080 --dist dist

test-node: dist
	node --test web/test/*.test.mjs

# Native nodes: `make putbench` measures acknowledged PUT/s and latency of three local
# node processes (fsync on) with 1 and 64 clients; `make test` already runs the
# multi-process end-to-end test (e2e/, part of test-go).
.PHONY: putbench

putbench: build
	$(GO) run ./e2e/cmd/putbench -bin $(BIN)/raftplay

# Damaged disks: `make diskfaults` runs 30 rounds of SIGKILL plus one random disk fault
# (a cut or zeroed tail, a flipped byte, a deleted state or log file) on one of three node
# processes under concurrent writers, and checks that no acknowledged write is lost
# (e2e.TestDiskFaults; `make test` runs 3 rounds of it).
.PHONY: diskfaults
DISKFAULT_ROUNDS ?= 30

diskfaults:
	RAFTPLAY_DISKFAULT_ROUNDS=$(DISKFAULT_ROUNDS) $(GO) test -count=1 -run '^TestDiskFaults$$' -v -timeout 30m ./e2e/

# The page in a real browser: end-to-end and accessibility tests in Debian's Chromium
# (playwright-core and axe-core from `npm ci`), and the performance numbers (`make perf`).
.PHONY: test-browser perf

test-browser: dist build node_modules
	scripts/browser-test.sh

perf: dist build node_modules
	node scripts/perf.mjs

# Lessons: replay every lesson's reference path through the engine, and check that no
# step's check passes without its action.
.PHONY: lesson-check

lesson-check: build
	$(BIN)/raftplay lesson check

# The Cloudflare Worker (wasm/worker, wrangler.toml): `make worker` builds build/worker/
# (the Go Worker plus the page as its static assets), `make worker-dev` runs it offline
# on http://127.0.0.1:8787 with a local KV, `make test-worker` tests it end to end
# (wrangler dev and Chromium), `make worker-cpu` measures the CPU of POST /api/share.
.PHONY: worker worker-dev test-worker worker-cpu

worker: dist
	scripts/worker-build.sh build/worker

worker-dev: worker node_modules
	scripts/worker-dev.sh

test-worker: worker node_modules
	scripts/worker-test.sh

worker-cpu: worker
	node web/test/worker-cpu.mjs

# The npm packages the browser, Worker and performance tests use (playwright-core,
# axe-core, wrangler), installed from package-lock.json when it changes.
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules
