package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() { commands = append(commands, newWatchCommand) }

// Timing of watch.
const (
	watchRedrawEvery = 100 * time.Millisecond // at most this often on a terminal
	watchRetryEvery  = time.Second            // reconnecting to a node that is down
)

type watchFlags struct {
	addrs     []string
	token     string
	tokenFile string
	tail      int
	allEvents bool
	plain     bool
}

func newWatchCommand() *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch running nodes live: role, term, leader, commit and last index, and their Raft events",
		Long: `watch follows each node's GET /events stream and shows, live, every node's role,
term, the leader it knows, its commit index, last applied and last log index,
with the most recent Raft events below (votes, elections, rejections,
truncations...). A node that goes down is shown as DOWN and reconnected to
every second, so you can kill -9 a node and watch the cluster react and the node
catch up after its restart. A node that refuses the cluster token (401) ends
watch with exit status 1: retrying cannot fix a wrong token.

On a terminal the view is redrawn in place; otherwise (a pipe, a file) watch
prints one line per change of a node's role, term, leader or reachability and
one per Raft event. Ctrl-C stops it. The frequent events (entries appended,
commit advanced, read confirmed) are left out unless --all-events is given.`,
		Example: `  raftplay watch
  raftplay watch --addr http://127.0.0.1:8001,http://127.0.0.1:8002 --tail 30
  raftplay watch --plain | grep election`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.tail < 0 {
				return usageError(cmd, fmt.Errorf("--tail must not be negative, got %d", f.tail))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			tty := false
			if file, ok := out.(*os.File); ok && !f.plain {
				tty = term.IsTerminal(int(file.Fd()))
			}
			return runWatch(ctx, out, f, tty)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.addrs, "addr", []string{"http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"},
		"URL of a node's HTTP API; repeat or separate with commas")
	fl.StringVar(&f.token, "token", "", tokenFlagHelp)
	fl.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	fl.IntVar(&f.tail, "tail", 12, "number of recent events shown on a terminal")
	fl.BoolVar(&f.allEvents, "all-events", false, "also show the frequent events: entries appended, commit advanced, read confirmed")
	fl.BoolVar(&f.plain, "plain", false, "print lines instead of redrawing, even on a terminal")
	return cmd
}

// The terminal view is in watchview.go; this file follows the nodes' streams.

// watchUpdate is what one node's stream reported.
type watchUpdate struct {
	node    int          // index in the --addr list
	status  *node.Status // a status event
	event   *node.Event  // a raft event
	dropped uint64       // a lagging event: events the node dropped for us
	down    error        // the stream failed or ended
}

// runWatch follows every node until ctx is done; tty selects the redrawn view.
func runWatch(ctx context.Context, out io.Writer, f watchFlags, tty bool) error {
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cl, err := newNodeClient(f.addrs, strings.Join(f.addrs, ","), token, 0)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w\nrun 'raftplay watch --help' for usage", err)}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	addrs := cl.Addrs()
	updates := make(chan watchUpdate, 256)
	done := make(chan struct{}, len(addrs))
	for i := range addrs {
		go func() {
			defer func() { done <- struct{}{} }()
			follow(ctx, cancel, cl.At(i), i, updates)
		}()
	}
	view := newWatchView(addrs, f.tail, f.allEvents)
	err = view.loop(ctx, out, updates, tty)
	var refused *wrongTokenError
	if errors.As(context.Cause(ctx), &refused) && err == nil {
		err = refused
	}
	cancel(nil)
	for range addrs {
		<-done
	}
	return err
}

// wrongTokenError ends watch: a node refused the cluster token (401), which no
// retry can change, unlike a node that is down.
type wrongTokenError struct{ err error }

func (e *wrongTokenError) Error() string {
	return fmt.Sprintf("%v; watch stops: retrying cannot fix a wrong token", e.err)
}

func (e *wrongTokenError) Unwrap() error { return e.err }

// follow streams one node's events into updates, reconnecting every watchRetryEvery
// when the stream fails. A node that refuses the token ends the whole watch, through
// stop, with a *wrongTokenError.
func follow(ctx context.Context, stop context.CancelCauseFunc, cl *client.Client, idx int, updates chan<- watchUpdate) {
	send := func(u watchUpdate) bool {
		u.node = idx
		select {
		case updates <- u:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		err := cl.Events(ctx, func(ev client.Event) error {
			if !send(watchUpdate{status: ev.Status, event: ev.Raft, dropped: ev.Dropped}) {
				return ctx.Err()
			}
			return nil
		})
		var apiErr *client.Error
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			stop(&wrongTokenError{err: explainAPIError(err)})
			return
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			err = errors.New("connection refused") // the view says which node
		} else {
			err = explainAPIError(err)
		}
		if ctx.Err() != nil || !send(watchUpdate{down: err}) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(watchRetryEvery):
		}
	}
}
