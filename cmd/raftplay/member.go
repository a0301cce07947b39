package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newMemberCommand) }

type memberFlags struct {
	addr      string
	token     string
	tokenFile string
	timeout   time.Duration
	raft      string // add: the new server's Raft address
	httpAddr  string // add: its HTTP API
	force     bool   // add: skip the leader's check that the server answers
}

// memberPoll is how often add and remove look at the configuration while they wait.
const memberPoll = 200 * time.Millisecond

func newMemberCommand() *cobra.Command {
	var f memberFlags
	cmd := &cobra.Command{
		Use:   "member",
		Short: "Add, remove and list the members of a running cluster (§6, joint consensus)",
		Long: `member changes the configuration of a running cluster through its leader (any
node of --addr will do: a follower redirects). One change at a time: while one is
in progress (the configuration is joint, or its entry not committed), the next
waits.

member add ID --raft HOST:PORT --http-addr HOST:PORT adds a server that was
started empty with 'raftplay node --id ID --peers ID=HOST:PORT --http HOST:PORT
--data DIR --join'. It becomes a learner (replicated to, never counted), and the
leader makes it a voter once its log is within 64 entries of the leader's; add
waits for that, printing each step, until --timeout. The leader first checks that
the server answers (its Raft address takes a connection, its HTTP API says it is
server ID of this cluster; 2 s each, directly: never through the HTTP_PROXY of
the leader's environment) and adds nothing when it does not; --force
skips that check, to add a server that is started later. A learner that has not
caught up by --timeout stays in the configuration: 'raftplay member remove ID'
takes it out.

member remove ID removes a voter or a learner (the leader too: it hands over once
the new configuration is committed). The removed node stops talking to the cluster
and says so in its log and /status ("removed": true); stop it then. When an
attempt's outcome was unknown (its entry was not committed in time) and a retry
finds the server gone, that attempt removed it: remove says "already removed" and
succeeds.

member list prints the configuration the answering node uses.

Exit status: 0 on success; 1 when the change failed or timed out; 2 for a usage
error.`,
		Example: `  raftplay node --id 4 --peers 4=127.0.0.1:7004 --http 127.0.0.1:8004 --data raftplay-data/node4 --join &
  raftplay member add 4 --raft 127.0.0.1:7004 --http-addr 127.0.0.1:8004
  raftplay member list
  raftplay member remove 1`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError(cmd, errors.New("name an operation: add, remove or list"))
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.addr, "addr", defaultNodeURLs, "URLs of nodes' HTTP APIs, separated by commas; tried in turn")
	pf.StringVar(&f.token, "token", "", tokenFlagHelp)
	pf.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	pf.DurationVar(&f.timeout, "timeout", time.Minute, "give up after this long")
	add := &cobra.Command{
		Use:   "add ID --raft HOST:PORT --http-addr HOST:PORT",
		Short: "Add server ID as a learner and wait until the leader has made it a voter",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := memberID(args[0])
			if err == nil {
				err = checkAddFlags(f)
			}
			if err != nil {
				return usageError(cmd, err)
			}
			return runMember(cmd.Context(), cmd.OutOrStdout(), f, func(ctx context.Context, cl *client.Client) error {
				return memberAdd(ctx, cmd.OutOrStdout(), cl, id, f)
			})
		},
	}
	add.Flags().StringVar(&f.raft, "raft", "", "the new server's Raft address, HOST:PORT, as its --peers gives it (required)")
	add.Flags().StringVar(&f.httpAddr, "http-addr", "", "the new server's HTTP API, HOST:PORT or a URL, as its --http gives it (required)")
	add.Flags().BoolVar(&f.force, "force", false, "add it even if it does not answer yet (a server started later); it stays a learner until it runs")
	cmd.AddCommand(add,
		&cobra.Command{
			Use:     "remove ID",
			Aliases: []string{"rm"},
			Short:   "Remove member ID (a voter, the leader included, or a learner)",
			Args:    usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := memberID(args[0])
				if err != nil {
					return usageError(cmd, err)
				}
				return runMember(cmd.Context(), cmd.OutOrStdout(), f, func(ctx context.Context, cl *client.Client) error {
					return memberRemove(ctx, cmd.OutOrStdout(), cl, id)
				})
			},
		},
		&cobra.Command{
			Use:     "list",
			Aliases: []string{"ls"},
			Short:   "Print the members, their roles and addresses",
			Args:    usageArgs(cobra.NoArgs),
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runMember(cmd.Context(), cmd.OutOrStdout(), f, func(ctx context.Context, cl *client.Client) error {
					m, err := cl.Members(ctx)
					if err != nil {
						return err
					}
					return printMembers(cmd.OutOrStdout(), m)
				})
			},
		},
	)
	return cmd
}

func memberID(arg string) (uint64, error) {
	id, err := strconv.ParseUint(arg, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("member id %q is not a positive number", arg)
	}
	return id, nil
}

func checkAddFlags(f memberFlags) error {
	switch {
	case f.raft == "":
		return errors.New("--raft is required: the new server's Raft address, HOST:PORT")
	case f.httpAddr == "":
		return errors.New("--http-addr is required: the new server's HTTP API, HOST:PORT or a URL")
	}
	if problem := hostPortProblem(f.raft); problem != "" {
		return fmt.Errorf("--raft: %q %s; expected HOST:PORT", f.raft, problem)
	}
	if _, err := client.BaseURL(f.httpAddr); err != nil {
		return fmt.Errorf("--http-addr %w", err)
	}
	return nil
}

// runMember prepares the client and runs op within --timeout.
func runMember(ctx context.Context, _ io.Writer, f memberFlags, op func(context.Context, *client.Client) error) error {
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cl, err := newNodeClient(client.SplitAddrs(f.addr), f.addr, token, 10*time.Second)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w\nrun 'raftplay member --help' for usage", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if err := op(ctx, cl); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (gave up after --timeout %v)", err, f.timeout)
		}
		return &exitError{code: 1, err: explainAPIError(err)}
	}
	return nil
}

// whileInProgress calls change until it is not refused for a change in progress,
// saying once that it waits.
func whileInProgress(ctx context.Context, out io.Writer, change func() (node.Members, error)) (node.Members, error) {
	said := false
	for {
		m, err := change()
		if client.Code(err) != node.CodeConfChangeInProgress {
			return m, err
		}
		if !said {
			fmt.Fprintln(out, "another configuration change is in progress; waiting for it to finish")
			said = true
		}
		select {
		case <-ctx.Done():
			return m, err
		case <-time.After(memberPoll):
		}
	}
}

func memberAdd(ctx context.Context, out io.Writer, cl *client.Client, id uint64, f memberFlags) error {
	fmt.Fprintf(out, "adding server %d (Raft %s, HTTP %s) as a learner\n", id, f.raft, f.httpAddr)
	m, err := whileInProgress(ctx, out, func() (node.Members, error) {
		return cl.AddMemberRequest(ctx, node.MemberRequest{ID: id, RaftAddr: f.raft, HTTPAddr: f.httpAddr, Force: f.force})
	})
	if err != nil {
		return err
	}
	if m.Index > 0 {
		fmt.Fprintf(out, "server %d is a learner (configuration entry %d committed); waiting for it to catch up\n", id, m.Index)
	} else {
		fmt.Fprintf(out, "server %d was a member already, at these addresses\n", id)
	}
	last := ""
	for {
		state := memberState(m, id)
		if state != last {
			switch state {
			case "joining":
				fmt.Fprintf(out, "server %d caught up: the leader proposed it as a voter (joint configuration %s, entry %d)\n", id, confOf(m), m.ConfIndex)
			case "learner":
				if last != "" {
					fmt.Fprintf(out, "server %d is a learner, catching up\n", id)
				}
			}
			last = state
		}
		if state == "voter" && len(m.Outgoing) == 0 && m.Committed {
			fmt.Fprintf(out, "server %d is a voter: %s (entry %d committed)\n", id, confOf(m), m.ConfIndex)
			return nil
		}
		select {
		case <-ctx.Done():
			if state == "" {
				return fmt.Errorf("server %d is no member any more: another change removed it", id)
			}
			// The learner's entry is committed: giving up here does not undo it.
			return fmt.Errorf("server %d is still a %s, not a voter: is it running, and can it reach the leader? ('raftplay status --addr %s' shows it); "+
				"it stays in the configuration: 'raftplay member remove %d' takes it out", id, state, f.httpAddr, id)
		case <-time.After(memberPoll):
		}
		if next, err := cl.Members(ctx); err == nil {
			m = next
		}
	}
}

func memberRemove(ctx context.Context, out io.Writer, cl *client.Client, id uint64) error {
	// unsure: an attempt's outcome was unknown (its entry was not committed in time),
	// so the removal may have happened then, and a later attempt find id gone.
	unsure := false
	m, err := whileInProgress(ctx, out, func() (node.Members, error) {
		m, err := cl.RemoveMember(ctx, id)
		var apiErr *client.Error
		if errors.As(err, &apiErr) && apiErr.AfterOutcomeUnknown {
			unsure = true
		}
		return m, err
	})
	done := "removed"
	if unsure && client.Code(err) == node.CodeUnknownMember {
		// A membership change has no session to deduplicate its retry: the earlier
		// attempt did remove id. Wait for its configuration as for our own.
		fmt.Fprintf(out, "server %d is no member any more: an earlier attempt, whose outcome was unknown, removed it\n", id)
		done = "already removed"
		m, err = cl.Members(ctx)
	}
	if err != nil {
		return err
	}
	if len(m.Outgoing) > 0 {
		fmt.Fprintf(out, "joint configuration committed (entry %d): %s; waiting for the new one\n", m.Index, confOf(m))
	}
	for {
		if memberState(m, id) == "" && len(m.Outgoing) == 0 && m.Committed {
			fmt.Fprintf(out, "server %d %s: %s (entry %d committed); it can be stopped\n", id, done, confOf(m), m.ConfIndex)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server %d's removal is not finished: %s", id, confOf(m))
		case <-time.After(memberPoll):
		}
		if next, err := cl.Members(ctx); err == nil {
			m = next
		}
	}
}

// memberState is id's role in m, "" when it is no member.
func memberState(m node.Members, id uint64) string {
	for _, info := range m.Members {
		if info.ID == id {
			return info.Role
		}
	}
	return ""
}

// confText describes a configuration as engine.ConfState.String does.
func confText(voters, learners, outgoing []uint64) string {
	s := fmt.Sprintf("voters=%v", voters)
	if len(learners) > 0 {
		s += fmt.Sprintf(" learners=%v", learners)
	}
	if len(outgoing) > 0 {
		s += fmt.Sprintf(" outgoing=%v", outgoing)
	}
	return s
}

// confOf is m's configuration as confText describes it.
func confOf(m node.Members) string { return confText(m.Voters, m.Learners, m.Outgoing) }

func printMembers(out io.Writer, m node.Members) error {
	state := "committed"
	if !m.Committed {
		state = "not committed yet"
	}
	leader := "none known"
	if m.Leader != 0 {
		leader = strconv.FormatUint(m.Leader, 10)
	}
	fmt.Fprintf(out, "configuration of entry %d (%s) as node %d sees it; leader: %s\n", m.ConfIndex, state, m.Node, leader)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tRAFT\tHTTP")
	for _, info := range m.Members {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", info.ID, info.Role, orDash(info.RaftAddr), orDash(info.HTTPURL))
	}
	return tw.Flush()
}
