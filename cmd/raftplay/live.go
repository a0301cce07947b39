package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/raftplay/raftplay/live"
	"github.com/raftplay/raftplay/serve"
)

// The live page: `raftplay cluster --web ADDR` and `raftplay serve --live URL,...`
// serve the playground, opened at /?live, with the live API (package live) in front of
// real nodes.

// checkLiveAddr refuses to serve the live page beyond loopback without insecure: the
// page crashes nodes, cuts links and writes with the cluster token the server holds,
// and has no login of its own, so anyone who can reach it could do the same.
func checkLiveAddr(flag, addr string, insecure bool) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%s %q: expected HOST:PORT, such as 127.0.0.1:8080", flag, addr)
	}
	if !validPort(port) {
		if _, numeric := strconv.Atoi(port); numeric == nil {
			return fmt.Errorf("%s %q: the port %s is not a number in 0..65535; expected HOST:PORT, such as 127.0.0.1:8080", flag, addr, port)
		}
		return fmt.Errorf("%s %q: the port %q is not a number in 0..65535; expected HOST:PORT, such as 127.0.0.1:8080", flag, addr, port)
	}
	if insecure || isLoopbackAddr(addr) {
		return nil
	}
	return fmt.Errorf("refusing to serve the live page on %q, which is not a loopback address: it controls the nodes with the cluster token and has no login of its own; give %s 127.0.0.1:PORT, or add --insecure if everyone who can reach it may control the cluster", addr, flag)
}

// validPort reports whether port is a port number to listen on (0 picks a free one).
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// isLoopbackAddr reports whether listening on host:port reaches only this machine.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// liveURL is the address to open: the page in live mode.
func liveURL(addr net.Addr) string { return displayURL(addr) + "?live" }

// serveLiveOn serves the playground in dist, in live mode, with s's API on ln until
// ctx is done; s runs alongside. ready, if not nil, is called once it serves.
func serveLiveOn(ctx context.Context, out io.Writer, ln net.Listener, dist string, s *live.Server, ready func(net.Addr)) error {
	site := serve.New(os.DirFS(dist), serve.Options{RootRedirect: "/?live"})
	s.Register(site)
	srv := &http.Server{
		Handler:           site,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	liveCtx, stopLive := context.WithCancel(ctx)
	defer stopLive()
	liveDone := make(chan error, 1)
	go func() { liveDone <- s.Run(liveCtx) }()
	fmt.Fprintf(out, "raftplay: live playground at %s (it drives the real nodes; Ctrl-C to stop)\n", liveURL(ln.Addr()))
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}
	// The streams end when the live server stops; then the HTTP server can drain.
	stopLive()
	liveErr := <-liveDone
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if serveErr == nil {
		serveErr = <-served
	}
	switch {
	case serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed):
		return fmt.Errorf("live page: %w", serveErr)
	case liveErr != nil:
		return fmt.Errorf("live page: %w", liveErr)
	case shutdownErr != nil:
		return fmt.Errorf("live page: shut down: %w", shutdownErr)
	}
	return nil
}

// allowedHosts are the host names the live API accepts in Host for a server on addr:
// its host when that is a name (IP literals and localhost are always accepted).
func allowedHosts(addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	return []string{host}
}
