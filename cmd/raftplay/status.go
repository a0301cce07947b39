package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newStatusCommand) }

type statusFlags struct {
	addrs     []string
	token     string
	tokenFile string
	timeout   time.Duration
	json      bool
}

func newStatusCommand() *cobra.Command {
	var f statusFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the Raft state of running nodes: role, term, leader, commit and log indices",
		Long: `status asks each node given with --addr for its GET /status and prints one row per
node: its role, term, the leader it knows, its commit index, last applied index
and last log index. For a leader it also prints what it knows of each follower:
the connection, matchIndex and nextIndex (§5.3) and the replication mode.

Exit status: 0 when every node answered, 1 when one could not be reached.`,
		Example: `  raftplay status
  raftplay status --addr http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003
  raftplay status --json | jq '.[0].status.role'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.addrs, "addr", []string{defaultNodeURL}, "URL of a node's HTTP API; repeat or separate with commas for several")
	fl.StringVar(&f.token, "token", "", tokenFlagHelp)
	fl.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	fl.DurationVar(&f.timeout, "timeout", 3*time.Second, "how long to wait for each node")
	fl.BoolVar(&f.json, "json", false, `print JSON: [{"addr": URL, "status": {...}} or {"addr": URL, "error": "..."}, ...]`)
	return cmd
}

// nodeStatus is one node's answer to GET /status, or why there was none.
type nodeStatus struct {
	Addr   string       `json:"addr"`
	Status *node.Status `json:"status,omitempty"`
	Error  string       `json:"error,omitempty"`
}

func runStatus(ctx context.Context, out io.Writer, f statusFlags) error {
	if f.timeout <= 0 {
		return &exitError{code: 2, err: fmt.Errorf("--timeout must be positive, got %v\nrun 'raftplay status --help' for usage", f.timeout)}
	}
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cl, err := newNodeClient(f.addrs, strings.Join(f.addrs, ","), token, f.timeout)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w\nrun 'raftplay status --help' for usage", err)}
	}
	results := fetchStatuses(ctx, cl)
	if f.json {
		data, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "%s\n", data); err != nil {
			return err
		}
	} else {
		if err := printStatusTable(out, results); err != nil {
			return err
		}
		if advice := recoveringMajority(results); advice != "" {
			fmt.Fprintf(out, "\n%s\n", advice)
		}
	}
	down := 0
	for _, r := range results {
		if r.Error != "" {
			down++
		}
	}
	if down > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d nodes did not answer", down, len(results))}
	}
	return nil
}

// recoveringMajority explains a cluster that cannot elect a leader because too many
// of its voters are recovering from lost data (they neither vote nor count toward a
// quorum until they catch up from a leader, which there is none to catch up from); ""
// when a node knows a leader or the voters that do vote can still make a majority.
func recoveringMajority(results []nodeStatus) string {
	var voters []uint64
	recovering := map[uint64]bool{}
	for _, r := range results {
		if r.Status == nil {
			continue
		}
		if r.Status.Leader != 0 {
			return ""
		}
		if len(r.Status.Voters) > len(voters) {
			voters = r.Status.Voters
		}
		if r.Status.Recovering {
			recovering[r.Status.ID] = true
		}
	}
	lost := 0
	for _, id := range voters {
		if recovering[id] {
			lost++
		}
	}
	if len(voters) == 0 || len(voters)-lost > len(voters)/2 {
		return ""
	}
	return fmt.Sprintf("no leader can be elected: %d of the %d voters %v are recovering from lost data and do not vote, "+
		"so the others cannot make a majority, and there is no leader to catch up from. The last resort (acknowledged "+
		"writes may be lost): stop them and run 'raftplay repair --data DIR --accept-loss' on the stopped nodes with the "+
		"longest logs, until the voters that vote make a majority (README, \"Native nodes\"; filestore/doc.go).",
		lost, len(voters), voters)
}

// fetchStatuses asks every node of cl at once.
func fetchStatuses(ctx context.Context, cl *client.Client) []nodeStatus {
	addrs := cl.Addrs()
	results := make([]nodeStatus, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() {
			results[i].Addr = addr
			st, err := cl.At(i).Status(ctx)
			if err != nil {
				results[i].Error = explainAPIError(err).Error()
				return
			}
			results[i].Status = &st
		})
	}
	wg.Wait()
	return results
}

// printStatusTable prints one row per node, then each leader's view of its followers.
func printStatusTable(out io.Writer, results []nodeStatus) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tADDRESS\tROLE\tTERM\tLEADER\tCOMMIT\tAPPLIED\tLAST INDEX\tSNAPSHOT\tFIRST INDEX")
	for _, r := range results {
		if r.Status == nil {
			fmt.Fprintf(tw, "?\t%s\tDOWN\t\t\t\t\t\t\t\n", r.Addr)
			continue
		}
		s := r.Status
		role := s.Role
		if s.Recovering {
			role += " (recovering: lost data, not voting)"
		}
		switch {
		case s.Removed:
			role += " (removed)"
		case len(s.Voters) == 0 && len(s.Learners) == 0:
			role += " (joining: no configuration yet)"
		case slices.Contains(s.Learners, s.ID):
			role += " (learner)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\n", s.ID, r.Addr, role, s.Term, leaderName(s.Leader),
			s.CommitIndex, s.LastApplied, s.LastIndex, s.SnapshotIndex, s.FirstIndex)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Status == nil {
			fmt.Fprintf(out, "\n%s: %s\n", r.Addr, r.Error)
			continue
		}
		if r.Status.Role != "leader" {
			continue
		}
		fmt.Fprintf(out, "\nleader %d's view of the members, %s (matchIndex, nextIndex: §5.3):\n", r.Status.ID, confText(r.Status.Voters, r.Status.Learners, r.Status.Outgoing))
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PEER\tRAFT ADDRESS\tHTTP\tCONNECTED\tMATCH INDEX\tNEXT INDEX\tMODE")
		for _, p := range r.Status.Peers {
			mode := orDash(p.Mode)
			if p.Recovering {
				mode += ", recovering"
			}
			connected := yesNo(p.Connected)
			if slices.Contains(r.Status.CutLinks, p.ID) {
				connected = "no (link cut)" // not down: raftplay link heal brings it back
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", p.ID, p.RaftAddr, orDash(p.HTTPURL), connected, p.MatchIndex, p.NextIndex, mode)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func leaderName(id uint64) string {
	if id == 0 {
		return "none"
	}
	return fmt.Sprint(id)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
