package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/raftplay/raftplay/node/client"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newLinkCommand) }

type linkFlags struct {
	addr      string
	token     string
	tokenFile string
	timeout   time.Duration
}

func newLinkCommand() *cobra.Command {
	var f linkFlags
	cmd := &cobra.Command{
		Use:   "link",
		Short: "Cut or heal the network link between two running nodes",
		Long: `link cut A B tells nodes A and B (peer ids) to drop every Raft message to and
from each other, as a broken network would: each side is asked, and one side
that answers is enough to cut both directions. link heal A B lets the messages
through again. The cut lives in the nodes' memory: a node that restarts has all
its links up. The nodes show their cut links in /status ("cut_links").

--addr names the nodes (by default the three of 'raftplay cluster'); link asks
each for its /status to find A and B. It needs the cluster token, as kv does. The
live page's link buttons do the same.

Exit status: 0 when at least one of the two nodes changed the link, 1 when
neither could, 2 for a usage error.`,
		Example: `  raftplay link cut 1 2
  raftplay link heal 1 2 --addr http://127.0.0.1:8001,http://127.0.0.1:8002`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError(cmd, errors.New("name an operation: cut or heal"))
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.addr, "addr", defaultNodeURLs, "URLs of the nodes' HTTP APIs, separated by commas")
	pf.StringVar(&f.token, "token", "", tokenFlagHelp)
	pf.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	pf.DurationVar(&f.timeout, "timeout", 5*time.Second, "how long to wait for the nodes")
	for _, cut := range []bool{true, false} {
		use, short := "cut A B", "Drop every Raft message between nodes A and B"
		if !cut {
			use, short = "heal A B", "Deliver the Raft messages between nodes A and B again"
		}
		cmd.AddCommand(&cobra.Command{
			Use:   use,
			Short: short,
			Args:  usageArgs(cobra.ExactArgs(2)),
			RunE: func(c *cobra.Command, args []string) error {
				var ids [2]uint64
				for i, arg := range args {
					id, err := strconv.ParseUint(arg, 10, 64)
					if err != nil || id == 0 {
						return usageError(c, fmt.Errorf("%q is not a node id (a nonzero number)", arg))
					}
					ids[i] = id
				}
				if ids[0] == ids[1] {
					return usageError(c, fmt.Errorf("a link joins two different nodes, not %d and itself", ids[0]))
				}
				return runLink(c.Context(), c.OutOrStdout(), f, ids[0], ids[1], cut)
			},
		})
	}
	return cmd
}

// runLink cuts or heals the link between nodes a and b.
func runLink(ctx context.Context, out io.Writer, f linkFlags, a, b uint64, cut bool) error {
	if f.timeout <= 0 {
		return &exitError{code: 2, err: fmt.Errorf("--timeout must be positive, got %v\nrun 'raftplay link --help' for usage", f.timeout)}
	}
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cl, err := newNodeClient(client.SplitAddrs(f.addr), f.addr, token, f.timeout)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w\nrun 'raftplay link --help' for usage", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	// Which address is which node: their own /status says.
	byID := map[uint64]int{}
	var unreachable []string
	for i, st := range fetchStatuses(ctx, cl) {
		if st.Status != nil {
			byID[st.Status.ID] = i
		} else {
			unreachable = append(unreachable, fmt.Sprintf("%s: %s", st.Addr, st.Error))
		}
	}
	verb := "heal"
	if cut {
		verb = "cut"
	}
	if len(byID) == 0 {
		return &exitError{code: 1, err: fmt.Errorf("no node at --addr answered, so the link between %d and %d is unchanged: %s", a, b, strings.Join(unreachable, "; "))}
	}
	changed := 0
	var failures []string
	for _, side := range [][2]uint64{{a, b}, {b, a}} {
		i, ok := byID[side[0]]
		if !ok {
			failures = append(failures, fmt.Sprintf("node %d: not among the nodes that answered at --addr", side[0]))
			continue
		}
		res, err := cl.At(i).Link(ctx, side[1], cut)
		if err != nil {
			failures = append(failures, fmt.Sprintf("node %d: %v", side[0], explainAPIError(err)))
			continue
		}
		changed++
		state := "now drops"
		if !res.Cut {
			state = "now delivers"
		}
		if !res.Changed {
			state = "already " + state[len("now "):]
		}
		fmt.Fprintf(out, "node %d %s the Raft messages to and from node %d\n", side[0], state, side[1])
	}
	for _, failure := range failures {
		fmt.Fprintf(out, "could not %s on %s\n", verb, failure)
	}
	if changed == 0 {
		msg := fmt.Sprintf("neither node %d nor node %d could %s the link", a, b, verb)
		if len(unreachable) > 0 {
			msg += ": " + strings.Join(unreachable, "; ")
		}
		return &exitError{code: 1, err: errors.New(msg)}
	}
	return nil
}
