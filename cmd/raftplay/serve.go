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
	"syscall"
	"time"

	"github.com/raftplay/raftplay/serve"
	"github.com/raftplay/raftplay/share"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newServeCommand) }

type serveFlags struct {
	addr     string
	dist     string
	shareDir string // where shared scenarios are kept; "" turns the share API off
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
--addr 0.0.0.0:8080 to share it on the network. Ctrl-C stops it cleanly.`,
		Example: `  make play                     # make dist, then raftplay serve
  raftplay serve --addr 127.0.0.1:9000 --dist dist`,
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
	return cmd
}

// shutdownGrace is how long requests in progress may take to finish at shutdown.
const shutdownGrace = 5 * time.Second

// runServe serves f.dist on f.addr until ctx is done, then shuts down gracefully.
// ready, if not nil, is called with the address once the server listens.
func runServe(ctx context.Context, out io.Writer, f serveFlags, ready func(addr net.Addr)) error {
	if err := checkDist(f.dist); err != nil {
		return err
	}
	handler := serve.New(os.DirFS(f.dist), serve.Options{})
	if f.shareDir != "" {
		store, err := share.NewDir(f.shareDir)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		share.Register(handler, store)
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

// checkDist makes sure the folder holds a built playground.
func checkDist(dir string) error {
	for _, name := range []string{"index.html", "app.wasm", "wasm_exec.js"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err == nil && info.Mode().IsRegular() {
			continue
		}
		return fmt.Errorf("serve: %s has no %s: the playground is not built; run `make dist` first", dir, name)
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
