// Command raftplay is the command-line tool of the raftplay Raft playground: native
// nodes (node, cluster, kv, status, watch, link, repair), the playground server (serve),
// chaos runs of the simulator (chaos) and guided lessons (lesson).
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code through cobra: a failed check (exit 1) is not
// a usage error (exit 2).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// commands lists the constructors of the subcommands; each command's file adds its own.
var commands []func() *cobra.Command

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "raftplay",
		Short: "raftplay: learn Raft by running it",
		Long: `raftplay is a Raft teaching playground built on one real Raft engine.

  raftplay cluster                       start three native nodes on this machine
  raftplay cluster --web 127.0.0.1:8080  the same, drawn live in the playground there
  raftplay link cut 1 2                  cut (or heal) the network link between two nodes
  raftplay kv put x 1                    write through the leader (get, del and cas too)
  raftplay status / watch                see each node's role, term, commit and log
  raftplay serve                         serve the browser playground (after make dist)
  raftplay chaos --seeds 100             seeded fault scenarios through the simulator
  raftplay lesson list                   the guided lessons

Every command has --help.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(c, err)
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	return root
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// usageError marks err as a mistake in the command line (exit code 2).
func usageError(c *cobra.Command, err error) error {
	return &exitError{code: 2, err: fmt.Errorf("%w\nrun '%s --help' for usage", err, c.CommandPath())}
}

// usageArgs wraps a cobra argument check so that its failures are usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := check(c, args); err != nil {
			return usageError(c, err)
		}
		return nil
	}
}

// run executes the command line and returns the process exit code: 0 on success, 1
// when something failed, 2 for a usage error.
func run(args []string) int {
	root := newRootCommand()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "raftplay: %v\n", err)
	var exit *exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	if strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintln(os.Stderr, "run 'raftplay --help' for the list of commands")
		return 2
	}
	return 1
}
