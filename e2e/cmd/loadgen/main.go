// Command loadgen writes to a raftplay cluster from N closed-loop clients until it is
// stopped (SIGINT, SIGTERM, or its standard input closing), and prints the number of
// PUTs acknowledged so far every 200 ms ("acked N"), then a summary line at the end.
//
//	go run ./e2e/cmd/loadgen -url http://127.0.0.1:9001 -token-file data/token -clients 64
//
// It is the load of scripts/live-perf.mjs: each client is one keep-alive connection
// driven by e2e.RunPuts, which costs the machine a fraction of what 64 fetch loops in
// Node cost, so that a measurement of the page is not a measurement of its load.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/raftplay/raftplay/e2e"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		url       = flag.String("url", "", "a node's base URL (the clients follow its redirects to the leader)")
		tokenFile = flag.String("token-file", "", "file holding the cluster token, if the nodes need one")
		clients   = flag.Int("clients", 64, "concurrent clients, each one PUT at a time")
		valueSize = flag.Int("value-size", 128, "bytes per value")
	)
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see -help)", flag.Arg(0))
	}
	if *url == "" {
		return errors.New("-url is required: a node's base URL, such as http://127.0.0.1:9001")
	}
	if *clients < 1 {
		return fmt.Errorf("-clients %d: need at least 1", *clients)
	}
	if *valueSize < 1 {
		return fmt.Errorf("-value-size %d: need at least 1", *valueSize)
	}
	var token string
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("-token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A parent that dies or closes the pipe ends the load too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	var acked atomic.Int64
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fmt.Printf("acked %d\n", acked.Load())
			}
		}
	}()
	res := e2e.RunPuts(ctx, e2e.PutLoad{URL: *url, Clients: *clients, ValueSize: *valueSize, Token: token, Acked: &acked})
	fmt.Println("done", res)
	return nil
}
