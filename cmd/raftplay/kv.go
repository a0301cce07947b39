package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newKVCommand) }

// defaultNodeURL is the first node of "raftplay cluster" with its default ports.
const defaultNodeURL = "http://127.0.0.1:8001"

// defaultNodeURLs are the three nodes of "raftplay cluster" with its default ports: kv
// tries them in turn, so that it works while any one of them is down.
const defaultNodeURLs = defaultNodeURL + ",http://127.0.0.1:8002,http://127.0.0.1:8003"

type kvFlags struct {
	addr      string // one URL, or several separated by commas
	token     string
	tokenFile string
	timeout   time.Duration
}

func newKVCommand() *cobra.Command {
	var f kvFlags
	cmd := &cobra.Command{
		Use:   "kv",
		Short: "Read and write the replicated key-value store of running nodes",
		Long: `kv sends one request to a node's HTTP API. Any node will do: a follower
redirects to the leader (307), and kv follows. --addr may name several nodes,
separated by commas (by default the three of 'raftplay cluster'): kv tries them in
turn, so a node that is down, or a follower that still redirects to a leader that
is down, is passed over. While an election is under way (503), or no node of
--addr could serve the request, kv retries until --timeout; a write is sent with
a client session (X-Raftplay-Client and -Seq), so a retry is applied at most once.

Exit status: 0 on success; 1 when the key is not found, a compare-and-set does
not match, or the request failed; 2 for a usage error.`,
		Example: `  raftplay kv put greeting hello
  raftplay kv get greeting --addr http://127.0.0.1:8002
  raftplay kv get greeting --addr http://127.0.0.1:8002,http://127.0.0.1:8003
  raftplay kv cas greeting hello bonjour
  raftplay kv del greeting`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError(cmd, errors.New("name an operation: put, get, del or cas"))
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.addr, "addr", defaultNodeURLs, "URLs of nodes' HTTP APIs, separated by commas; kv tries them in turn")
	pf.StringVar(&f.token, "token", "", tokenFlagHelp)
	pf.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	pf.DurationVar(&f.timeout, "timeout", 10*time.Second, "give up after this long (retrying while there is no leader)")
	cmd.AddCommand(
		&cobra.Command{
			Use:   "put KEY VALUE",
			Short: "Set KEY to VALUE once the write is committed and applied",
			Args:  usageArgs(cobra.ExactArgs(2)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvPut, args)
			},
		},
		&cobra.Command{
			Use:   "get KEY",
			Short: "Print KEY's value (a linearizable read through the leader)",
			Args:  usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvGet, args)
			},
		},
		&cobra.Command{
			Use:     "del KEY",
			Aliases: []string{"delete", "rm"},
			Short:   "Delete KEY, unconditionally: there is no compare-and-delete (succeeds also when KEY was absent, and says so)",
			Args:    usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvDel, args)
			},
		},
		&cobra.Command{
			Use:   "cas KEY OLD NEW",
			Short: "Set KEY to NEW only if it holds OLD (compare-and-set)",
			Args:  usageArgs(cobra.ExactArgs(3)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvCAS, args)
			},
		},
	)
	return cmd
}

type kvOp int

const (
	kvPut kvOp = iota
	kvGet
	kvDel
	kvCAS
)

// runKV performs one operation and prints its outcome.
func runKV(ctx context.Context, out io.Writer, f kvFlags, op kvOp, args []string) error {
	if f.timeout <= 0 {
		return &exitError{code: 2, err: fmt.Errorf("--timeout must be positive, got %v\nrun 'raftplay kv --help' for usage", f.timeout)}
	}
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cl, err := newNodeClient(client.SplitAddrs(f.addr), f.addr, token, f.timeout)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w\nrun 'raftplay kv --help' for usage", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	key := args[0]
	var res node.WriteResult
	switch op {
	case kvGet:
		v, err := cl.Get(ctx, key)
		switch {
		case err != nil:
			return &exitError{code: 1, err: explainAPIError(err)}
		case !v.Found:
			return &exitError{code: 1, err: fmt.Errorf("key not found: %q", key)}
		}
		_, err = fmt.Fprintln(out, v.Value)
		return err
	case kvPut:
		res, err = cl.Put(ctx, key, args[1])
	case kvDel:
		res, err = cl.Delete(ctx, key)
	case kvCAS:
		res, err = cl.CAS(ctx, key, args[1], args[2])
	}
	var apiErr *client.Error
	switch {
	case op == kvCAS && errors.As(err, &apiErr) && apiErr.Body.Code == node.CodeCASFailed:
		if !apiErr.Body.Found {
			return &exitError{code: 1, err: fmt.Errorf("compare-and-set failed: key %q not found (use put to create it)", key)}
		}
		return &exitError{code: 1, err: fmt.Errorf("compare-and-set failed: key %q holds %q, not the expected value", key, apiErr.Body.Current)}
	case err != nil:
		return &exitError{code: 1, err: explainAPIError(err)}
	}
	return printWriteResult(out, op, key, res)
}

func printWriteResult(out io.Writer, op kvOp, key string, res node.WriteResult) error {
	var err error
	switch {
	case op == kvDel && !res.Found:
		_, err = fmt.Fprintf(out, "OK: %q was not there (index %d)\n", key, res.Index)
	case op == kvDel:
		_, err = fmt.Fprintf(out, "OK: deleted %q (was %q) at index %d\n", key, res.Previous, res.Index)
	case res.Found:
		_, err = fmt.Fprintf(out, "OK: index %d (was %q)\n", res.Index, res.Previous)
	default:
		_, err = fmt.Fprintf(out, "OK: index %d (new key)\n", res.Index)
	}
	return err
}

// newNodeClient checks the --addr values (given as flag, for the messages) and
// prepares a client for them; token "" sends none. timeout bounds each HTTP exchange
// (0: none, for streams).
func newNodeClient(addrs []string, flag, token string, timeout time.Duration) (*client.Client, error) {
	if len(addrs) == 0 {
		return nil, fmt.Errorf("--addr %q names no node: expected a URL such as %s", flag, defaultNodeURL)
	}
	for _, addr := range addrs {
		if _, err := client.BaseURL(addr); err != nil {
			return nil, fmt.Errorf("--addr %w", err)
		}
	}
	return client.New(addrs, client.Options{Token: token, Timeout: timeout})
}

// explainAPIError adds what the user can do to a node's error answer.
func explainAPIError(err error) error {
	var unreachable *client.UnreachableError
	if errors.As(err, &unreachable) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		// What a node's Raft port does with an HTTP request (7001 typed for 8001).
		return fmt.Errorf("%s closed the connection without an HTTP answer: is it a node's Raft port? a node's HTTP API (its --http) is wanted, such as %s; or the node stopped while answering (%w)",
			unreachable.Node, defaultNodeURL, err)
	}
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		return err
	}
	switch apiErr.Status {
	case http.StatusUnauthorized:
		return fmt.Errorf("%s answered 401: %s (pass --token-file or set %s)", apiErr.URL, apiErr.Body.Error, tokenEnv)
	case http.StatusServiceUnavailable:
		return fmt.Errorf("%s answered 503: %s; is a majority of the nodes running? ('raftplay status' shows them)", apiErr.URL, apiErr.Body.Error)
	}
	if apiErr.Body.Code == "" {
		// Every other error of a node carries a code (node/errcode.go): some other
		// server answered, such as the playground's 404 for /kv/x.
		return fmt.Errorf("%w; that is not a raftplay node's answer: is this the address of a node's HTTP API?", err)
	}
	return err
}
