package main

import (
	"strings"
	"testing"

	"github.com/raftplay/raftplay/lessons"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exampleLines returns the command lines of cmd's Example text and its subcommands':
// continuation lines joined, an environment assignment, a trailing comment, a pipe and
// a trailing & left out, so that what remains is what raftplay itself is given.
func exampleLines(cmd *cobra.Command) map[string][]string {
	lines := map[string][]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		text := strings.ReplaceAll(c.Example, "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			line, _, _ = strings.Cut(line, "#")
			line, _, _ = strings.Cut(line, "|")
			line, _, _ = strings.Cut(line, "&")
			fields := strings.Fields(line)
			for len(fields) > 0 && strings.Contains(fields[0], "=") {
				fields = fields[1:]
			}
			if len(fields) < 2 || fields[0] != "raftplay" {
				continue
			}
			lines[c.CommandPath()] = append(lines[c.CommandPath()], strings.Join(fields, " "))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
	return lines
}

// Every example a --help shows is a command line that parses: its subcommand and flags
// exist and its arguments are as many as the command takes. (The lesson command's
// example named a lesson "figure-8" that does not exist.)
func TestEveryHelpExampleParses(t *testing.T) {
	all := exampleLines(newRootCommand())
	require.NotEmpty(t, all)
	count := 0
	for path, lines := range all {
		for _, line := range lines {
			count++
			args := strings.Fields(line)[1:]
			root := newRootCommand() // fresh flags for every line
			cmd, rest, err := root.Find(args)
			require.NoError(t, err, "%s: example %q", path, line)
			require.NoError(t, cmd.ParseFlags(rest), "%s: example %q", path, line)
			assert.NoError(t, cmd.ValidateArgs(cmd.Flags().Args()), "%s: example %q", path, line)
		}
	}
	assert.Greater(t, count, 20, "the examples of every command were found")
}

// A lesson an example names exists: "raftplay lesson check --dir ./lessons ID" from the
// repository's root checks that one lesson.
func TestLessonExamplesNameRealLessons(t *testing.T) {
	all, err := lessons.All()
	require.NoError(t, err)
	found := 0
	for _, lines := range exampleLines(newRootCommand()) {
		for _, line := range lines {
			args := strings.Fields(line)[1:]
			root := newRootCommand()
			cmd, rest, err := root.Find(args)
			require.NoError(t, err)
			if cmd.Parent() == nil || cmd.Parent().Name() != "lesson" {
				continue
			}
			require.NoError(t, cmd.ParseFlags(rest))
			for _, id := range cmd.Flags().Args() {
				found++
				_, err := lessons.Find(all, id)
				assert.NoError(t, err, "example %q", line)
			}
		}
	}
	assert.Positive(t, found, "some lesson example names a lesson")
}

// The command lines of the root command's overview parse too, and a live page it
// shows (--web) is one cluster serves without --insecure: the overview said
// "raftplay cluster --web :8080", which cluster refuses (an empty host listens on every
// interface).
func TestRootOverviewCommandsWork(t *testing.T) {
	root := newRootCommand()
	count := 0
	for _, line := range strings.Split(root.Long, "\n") {
		if !strings.HasPrefix(line, "  raftplay ") { // the overview's indented lines
			continue
		}
		line = strings.TrimSpace(line)
		command, _, _ := strings.Cut(line, "  ") // the description follows two spaces
		command, _, _ = strings.Cut(command, " / ")
		args := strings.Fields(command)[1:]
		count++
		fresh := newRootCommand()
		cmd, rest, err := fresh.Find(args)
		require.NoError(t, err, "overview line %q", line)
		require.NoError(t, cmd.ParseFlags(rest), "overview line %q", line)
		assert.NoError(t, cmd.ValidateArgs(cmd.Flags().Args()), "overview line %q", line)
		if web := cmd.Flags().Lookup("web"); web != nil && web.Changed {
			assert.NoError(t, checkLiveAddr("--web", web.Value.String(), false), "overview line %q", line)
		}
	}
	assert.GreaterOrEqual(t, count, 6, "the overview's command lines were found")
}
