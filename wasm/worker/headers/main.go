// Command headers prints the `_headers` file of the Worker's static assets: the
// security headers that serve.Server sends, for Cloudflare to send with the page's
// files (see serve.Server.CloudflareHeaders). scripts/worker-build.sh runs it.
package main

import (
	"fmt"
	"testing/fstest"

	"github.com/raftplay/raftplay/serve"
)

func main() {
	fmt.Print(serve.New(fstest.MapFS{}, serve.Options{}).CloudflareHeaders())
}
