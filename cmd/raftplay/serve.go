package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/raftplay/raftplay/live"
	"github.com/raftplay/raftplay/node/client"
	"github.com/raftplay/raftplay/serve"
	"github.com/raftplay/raftplay/share"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newServeCommand) }

type serveFlags struct {
	addr     string
	dist     string
	shareDir string // where shared scenarios are kept; "" turns the share API off
	// shareLimit is how many scenarios a client address may share a minute (and at
	// once); 0 is no limit.
	shareLimit int

	// Live mode: the page draws the nodes at these URLs (comma-separated).
	live      string
	token     string
	tokenFile string
	insecure  bool // serve the live page beyond loopback
}

func newServeCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web playground (build it first with `make dist`)",
		Long: `serve serves the built playground (the dist folder made by "make dist": the page,
the simulator compiled to WebAssembly, and their precompressed copies) over HTTP.
The simulation runs in the browser; the server only sends files, and keeps the
scenarios shared with the page's Share button (POST /api/share, opened again at
/s/<id>) as files in --share-dir. With --share-dir "" there is no share API and
the Share button puts the whole scenario in the link instead.

It listens on 127.0.0.1 by default, so only this machine can reach it; give
--addr 0.0.0.0:8080 to share it on the network. Ctrl-C stops it cleanly.

With --live URL,URL,... it serves the page in live mode instead: the page draws the
real nodes at those URLs (their /status and /events; nodes their status names are
followed too), and its buttons cut and heal links and read and write the store
through this server, which holds the cluster token (--token-file, as for kv). It
cannot crash or restart nodes it did not start (raftplay cluster --web can). It
prints the address to open (/?live; / redirects there), and serves only on
loopback unless --insecure is given: the page has no login of its own.`,
		Example: `  make play                     # make dist, then raftplay serve
  raftplay serve --addr 127.0.0.1:9000 --dist dist
  raftplay serve --live http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cmd.OutOrStdout(), f, nil)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	fl.StringVar(&f.dist, "dist", "dist", "folder of the built playground")
	fl.StringVar(&f.shareDir, "share-dir", "./"+share.DefaultDir, `folder for shared scenarios ("" turns sharing by id off)`)
	fl.IntVar(&f.shareLimit, "share-limit", share.DefaultPerMinute, "scenarios one client address may share a minute (and at once); 0 for no limit")
	fl.StringVar(&f.live, "live", "", "serve the page in live mode for the nodes at these URLs, separated by commas")
	fl.StringVar(&f.token, "token", "", tokenFlagHelp+" (with --live)")
	fl.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (with --live; default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	fl.BoolVar(&f.insecure, "insecure", false, "with --live, allow a non-loopback --addr: whoever reaches it controls the cluster")
	return cmd
}

// shutdownGrace is how long requests in progress may take to finish at shutdown.
const shutdownGrace = 5 * time.Second

// runServe serves f.dist on f.addr until ctx is done, then shuts down gracefully.
// ready, if not nil, is called with the address once the server listens.
func runServe(ctx context.Context, out io.Writer, f serveFlags, ready func(addr net.Addr)) error {
	// Usage mistakes first: they are named before the disk is looked at.
	if f.shareLimit < 0 {
		return &exitError{code: 2, err: fmt.Errorf("--share-limit %d: give how many scenarios a client may share a minute, or 0 for no limit", f.shareLimit)}
	}
	if f.live != "" {
		if err := checkLiveAddr("--addr", f.addr, f.insecure); err != nil {
			return &exitError{code: 2, err: err}
		}
	}
	if err := checkDist(f.dist); err != nil {
		return err
	}
	if f.live != "" {
		return runServeLive(ctx, out, f, ready)
	}
	handler := serve.New(os.DirFS(f.dist), serve.Options{})
	if f.shareDir != "" {
		store, err := share.NewDir(f.shareDir)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		var limit share.Gate // a nil *Limiter in it would not be a nil Gate
		if f.shareLimit > 0 {
			l, err := share.NewLimiter(f.shareLimit, nil)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			limit = l
		}
		share.RegisterLimited(handler, store, limit)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", f.addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	fmt.Fprintf(out, "raftplay: serving %s at %s (Ctrl-C to stop)\n", f.dist, displayURL(ln.Addr()))
	if f.shareDir != "" {
		fmt.Fprintf(out, "raftplay: shared scenarios are kept in %s\n", f.shareDir)
	}
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("serve: shut down: %w", shutdownErr)
	}
	fmt.Fprintln(out, "raftplay: stopped")
	return nil
}

// runServeLive serves the page in live mode for the nodes of f.live.
// runServe has checked --addr.
func runServeLive(ctx context.Context, out io.Writer, f serveFlags, ready func(addr net.Addr)) error {
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	addrs := client.SplitAddrs(f.live)
	if len(addrs) == 0 {
		return &exitError{code: 2, err: fmt.Errorf("--live %q names no node: expected URLs such as %s", f.live, defaultNodeURLs)}
	}
	s, err := live.New(live.Options{Nodes: addrs, Token: token, AllowedHosts: allowedHosts(f.addr)})
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("--live: %w", err)}
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", f.addr, err)
	}
	fmt.Fprintf(out, "raftplay: serving %s in live mode for %s\n", f.dist, strings.Join(addrs, ", "))
	for _, warning := range probeLiveNodes(ctx, addrs, token) {
		fmt.Fprintf(out, "raftplay: warning: %s\n", warning)
	}
	if err := serveLiveOn(ctx, out, ln, f.dist, s, ready); err != nil {
		return err
	}
	fmt.Fprintln(out, "raftplay: stopped")
	return nil
}

// checkDist makes sure the folder holds a built playground. The error names the
// folder as an absolute path: a relative --dist (the default, dist) is looked for
// in the current folder, which need not be the repository where it was built.
func checkDist(dir string) error {
	for _, name := range []string{"index.html", "app.wasm", "wasm_exec.js"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err == nil && info.Mode().IsRegular() {
			continue
		}
		shown := dir
		if abs, err := filepath.Abs(dir); err == nil {
			shown = abs
		}
		return fmt.Errorf("serve: %s has no %s: the playground is not built; run `make dist` first, or give --dist the folder it built", shown, name)
	}
	return nil
}

// displayURL is the address to open in a browser: a wildcard host is shown as
// 127.0.0.1, which reaches it from this machine.
func displayURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// liveProbeTimeout bounds the look serve --live takes at its nodes before serving.
const liveProbeTimeout = 2 * time.Second

// probeLiveNodes asks every node for its /status once, at the same time, and returns a
// warning for each that does not answer: a mistyped address, a node not started yet or
// a wrong token would otherwise show only as an empty drawing in the page. The page
// still follows every node, so one that starts later appears.
func probeLiveNodes(ctx context.Context, addrs []string, token string) []string {
	ctx, cancel := context.WithTimeout(ctx, liveProbeTimeout)
	defer cancel()
	warnings := make([]string, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() {
			cl, err := client.New([]string{addr}, client.Options{Token: token, Once: true})
			if err == nil {
				_, err = cl.Status(ctx)
				cl.CloseIdleConnections()
			}
			var answered *client.Error
			switch {
			case errors.As(err, &answered):
				warnings[i] = fmt.Sprintf("%s refuses this server: %v", addr, explainAPIError(err))
			case err != nil:
				warnings[i] = fmt.Sprintf("%s does not answer (%v); the page shows it once it answers", addr, explainAPIError(err))
			}
		})
	}
	wg.Wait()
	return slices.DeleteFunc(warnings, func(w string) bool { return w == "" })
}
