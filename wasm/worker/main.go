//go:build js && wasm

// Command worker is the playground's Cloudflare Worker, written with
// github.com/syumai/workers: the same handler as `raftplay serve` (serve.Server with
// the share routes of package share), with the page's files from Cloudflare's static
// assets, the shared scenarios in Workers KV, and POST /api/share limited per client by
// Cloudflare's rate limiting binding (limit.go).
//
// Cloudflare sends the page's files itself (wrangler.toml: [assets], with the security
// headers from the _headers file that wasm/worker/headers writes); the Worker runs
// first only for /api/* and /s/*, and for any path that is not a file (a 404). Build it
// with `make worker` (scripts/worker-build.sh) and run it locally with `make worker-dev`.
//
// The Go program starts afresh for every request (syumai/workers instantiates the
// module per request), so it keeps nothing in globals: main builds the handler from the
// request's bindings and serves that one request.
package main

import (
	"github.com/raftplay/raftplay/serve"
	"github.com/raftplay/raftplay/share"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

// The Worker's bindings, as named in wrangler.toml.
const (
	assetsBinding = "ASSETS" // the static assets (the built page)
	sharesBinding = "SHARES" // the KV namespace of shared scenarios
)

func main() {
	s := serve.New(newAssetsFS(cloudflare.GetBinding(assetsBinding)), serve.Options{})
	share.RegisterLimited(s, newKVStore(sharesBinding, cloudflare.GetBinding(sharesBinding)),
		rateGate{ns: cloudflare.GetBinding(limitBinding)})
	workers.Serve(s)
}
