// Command headers prints the `_headers` file of the Worker's static assets: the
// security headers that serve.Server sends, for Cloudflare to send with the page's
// files (see serve.Server.CloudflareHeaders). scripts/worker-build.sh runs it with the
// folder of the assets, whose subresource files get rules of their own.
//
//	go run ./wasm/worker/headers build/worker/assets >build/worker/assets/_headers
package main

import (
	"fmt"
	"os"

	"github.com/raftplay/raftplay/serve"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: headers ASSETS-DIR")
		os.Exit(2)
	}
	text, err := serve.New(os.DirFS(os.Args[1]), serve.Options{}).CloudflareHeaders()
	if err != nil {
		fmt.Fprintln(os.Stderr, "headers:", err)
		os.Exit(1)
	}
	fmt.Print(text)
}
