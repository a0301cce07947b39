package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/filestore"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newRepairCommand) }

type repairFlags struct {
	data     string
	truncate bool
	records  bool
	voters   string // for a state file that must be rebuilt
	accept   bool   // clear the recovering flag
}

func newRepairCommand() *cobra.Command {
	var f repairFlags
	cmd := &cobra.Command{
		Use:   "repair",
		Short: "Check a stopped node's log on disk, and cut damage out of it on request",
		Long: `repair reads the log and state files of a stopped node (--data) and reports what
they hold: the records, the last index, the saved HardState (term, vote, commit),
the synced high-water mark, and any damage:

  - a torn tail: the last write was cut short by a crash. Above the high-water
    mark that is what a crash leaves; the node cuts it by itself when it starts.
  - a loss: the log's valid records end below the synced high-water mark (or its
    last term is older than the state file's). Entries the node acknowledged are
    gone. It starts, but as a non-voter, until it has caught up from a leader.
  - corruption: a damaged record with valid records after it, which a crash
    cannot explain (a flipped bit, a lost sector). The node refuses to start.
  - a missing or damaged state file, or a missing log file. The node refuses
    to start.
  - a damaged or missing snapshot file (the state machine up to the snapshot's
    index, after which the log starts). The node refuses to start.

With --truncate, repair copies the log file to a backup next to it and cuts it at
the first damaged record, so that the node starts again. Every record from the
damage on is lost; term and vote survive in the state file. The node then finds
the loss and rejoins as a non-voter: it neither votes nor counts toward a quorum
until it holds the leader's whole log. A missing log file is replaced by an empty
one, with the same result. A damaged snapshot file is moved aside, with the log
after it, and an empty log started: the node rejoins as a non-voter and gets a
new snapshot from the leader. With --truncate and --voters, a missing or
damaged state file is rebuilt from the log first (a backup is kept); the node then
rejoins as a non-voter too, since the state file held the proof of what was lost.
Stop the node first.

A recovering node catches up from a leader. When too many nodes lost data for a
leader to be elected at all (two of three recovering, say), --accept-loss lets
this one vote again at once: entries acknowledged only by the damaged nodes may
then be lost for good. Use it on one node, as a last resort.

Exit status: 0 when the store is usable, 1 when corruption remains (or the store
cannot be read), 2 for a usage error.`,
		Example: `  raftplay repair --data raftplay-data/cluster/node2
  raftplay repair --data raftplay-data/cluster/node2 --records
  raftplay repair --data raftplay-data/cluster/node2 --truncate
  raftplay repair --data raftplay-data/cluster/node2 --truncate --voters 1,2,3
  raftplay repair --data raftplay-data/cluster/node2 --accept-loss`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.data == "" {
				return usageError(cmd, errors.New("--data is required: the directory of a stopped node, such as raftplay-data/cluster/node1"))
			}
			if f.voters != "" && !f.truncate {
				return usageError(cmd, errors.New("--voters goes with --truncate: it names the voters of a state file that --truncate rebuilds"))
			}
			if f.voters != "" {
				if _, err := parseVoters(f.voters); err != nil {
					return usageError(cmd, err)
				}
			}
			return runRepair(cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "the node's data directory (required)")
	fl.BoolVar(&f.truncate, "truncate", false, "cut the log at the first damaged record, after keeping a backup")
	fl.BoolVar(&f.records, "records", false, "list every record of the log")
	fl.StringVar(&f.voters, "voters", "", "with --truncate: the cluster's voter ids (1,2,3), to rebuild a missing or damaged state file")
	fl.BoolVar(&f.accept, "accept-loss", false, "LAST RESORT: let a recovering node vote again before it has caught up (acknowledged writes may be lost)")
	return cmd
}

func runRepair(out io.Writer, f repairFlags) error {
	if pid, held := filestore.LockHolder(f.data); held {
		holder := "another process"
		if pid > 0 {
			holder = fmt.Sprintf("process %d", pid)
		}
		fmt.Fprintf(out, "note: %s has this store open (a node running on it?): the files may change while they are read, and a repair that would write is refused until it stops\n", holder)
	}
	if err := repairStateFile(out, f); err != nil {
		return err
	}
	if f.accept {
		return acceptLoss(out, f)
	}
	if err := repairMissingLog(out, f); err != nil {
		return err
	}
	if err := repairSnapshot(out, f); err != nil {
		return err
	}
	report, err := filestore.Inspect(f.data)
	if err != nil {
		return &exitError{code: 1, err: inspectError(f.data, err)}
	}
	printInspectReport(out, report, f.records)
	recovering := "The node starts as a non-voter: it neither votes nor counts toward a quorum until it has caught up from a leader."
	switch {
	case report.Corruption == nil && report.Loss != nil:
		fmt.Fprintf(out, "DATA LOST: %s. Entries this node acknowledged may be gone; the node cuts what is damaged when it starts. %s\n", report.Loss, recovering)
		return nil
	case report.Corruption == nil && report.TornTail == nil:
		fmt.Fprintln(out, "OK: the log is intact.")
		if report.Recovering {
			fmt.Fprintln(out, "It is still recovering from an earlier loss. "+recovering)
		}
		return nil
	case report.Corruption == nil:
		fmt.Fprintf(out, "OK: a crash left a torn tail of %d bytes at offset %d (%s), beyond the synced high-water mark: what a crash leaves. The node cuts it when it starts. Nothing to do.\n",
			report.TornTail.Bytes, report.TornTail.Offset, report.TornTail.Reason)
		return nil
	case !f.truncate:
		c := report.Corruption
		return &exitError{code: 1, err: fmt.Errorf("corruption in %s at offset %d: %s\nthe node refuses to start. To cut the log there (every record from offset %d on is lost; a backup is kept), stop the node and run:\n  raftplay repair --data %s --truncate",
			c.File, c.Offset, c.Reason, c.Offset, shellQuote(f.data))}
	}
	rep, err := filestore.Repair(f.data, filestore.RepairOptions{})
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("repair %s: %w", f.data, err)}
	}
	fmt.Fprintf(out, "repaired: %s\n", rep)
	if rep.Backup != "" {
		fmt.Fprintf(out, "the damaged log was kept as %s\n", rep.Backup)
	}
	after, err := filestore.Inspect(f.data)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("inspect %s after the repair: %w", f.data, err)}
	}
	if after.Corruption != nil {
		return &exitError{code: 1, err: fmt.Errorf("corruption remains after the repair, in %s at offset %d: %s", after.Corruption.File, after.Corruption.Offset, after.Corruption.Reason)}
	}
	fmt.Fprintf(out, "OK: the log now ends at index %d (%d records); the node can start. It catches up from the leader", after.LastIndex, len(after.Records))
	if after.Recovering {
		fmt.Fprintf(out, " as a non-voter: the cut took synced records (the log held index %d), so it neither votes nor counts toward a quorum until it holds the leader's whole log.\n", after.HighWaterIndex)
	} else {
		fmt.Fprintln(out, ": the cut took only records written after the last synced high-water mark, which nothing on this disk can tell from a crash.")
	}
	return nil
}

// acceptLoss clears the recovering flag of a store whose log is otherwise usable.
func acceptLoss(out io.Writer, f repairFlags) error {
	cleared, err := filestore.AcceptLoss(f.data, filestore.RepairOptions{})
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	if !cleared {
		fmt.Fprintln(out, "OK: the node is not recovering; nothing to accept.")
		return nil
	}
	fmt.Fprintln(out, "ACCEPTED THE LOSS: the node votes and counts toward a quorum again although it has not caught up from a leader. Writes that only the damaged nodes had acknowledged may be lost for good.")
	return nil
}

// repairMissingLog starts an empty log where the state file's log is gone, given
// --truncate; without it, it explains what is wrong and what to run.
func repairMissingLog(out io.Writer, f repairFlags) error {
	_, err := filestore.Inspect(f.data)
	var ce *filestore.CorruptionError
	if !errors.As(err, &ce) || !ce.MissingLog() {
		return nil
	}
	if !f.truncate {
		return &exitError{code: 1, err: fmt.Errorf("%s: %s\nthe node refuses to start. To start an empty log in its place (the node then rejoins as a non-voter and gets every entry from the leader), stop the node and run:\n  raftplay repair --data %s --truncate",
			ce.File, ce.Reason, shellQuote(f.data))}
	}
	rep, err := filestore.Repair(f.data, filestore.RepairOptions{})
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("repair %s: %w", f.data, err)}
	}
	fmt.Fprintf(out, "repaired: %s\n", rep)
	return nil
}

// repairSnapshot moves a damaged or missing snapshot file and the log after it aside
// and starts an empty log, marked recovering, given --truncate; without it, it
// explains what is wrong and what to run.
func repairSnapshot(out io.Writer, f repairFlags) error {
	report, err := filestore.Inspect(f.data)
	if err != nil || report.SnapshotCorruption == nil {
		return nil // no snapshot problem (the Inspect below reports any other error)
	}
	c := report.SnapshotCorruption
	if !f.truncate {
		return &exitError{code: 1, err: fmt.Errorf("the snapshot %s: %s\nthe node refuses to start. To move it and the log after it aside and start an empty log (the node then rejoins as a non-voter and gets a new snapshot from the leader), stop the node and run:\n  raftplay repair --data %s --truncate",
			c.File, c.Reason, shellQuote(f.data))}
	}
	rep, err := filestore.Repair(f.data, filestore.RepairOptions{})
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("repair %s: %w", f.data, err)}
	}
	fmt.Fprintf(out, "repaired: %s\n", rep)
	return nil
}

// repairStateFile rebuilds a missing or damaged state file, given --truncate and
// --voters; without them it explains what is wrong and what to run.
func repairStateFile(out io.Writer, f repairFlags) error {
	dry, err := filestore.RebuildState(f.data, []uint64{1}, filestore.RepairOptions{DryRun: true})
	if err != nil || dry.Problem == "" {
		return nil // no state file problem (Inspect reports any other error)
	}
	command := fmt.Sprintf("raftplay repair --data %s --truncate --voters ID,ID,...", shellQuote(f.data))
	if !f.truncate || f.voters == "" {
		return &exitError{code: 1, err: fmt.Errorf("the state file %s: %s\nthe node refuses to start. To rebuild it from the log %s (a backup is kept; the node then rejoins as a non-voter until it has caught up), stop the node and run:\n  %s",
			dry.StateFile, dry.Problem, dry.LogFile, command)}
	}
	voters, err := parseVoters(f.voters)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	rebuilt, err := filestore.RebuildState(f.data, voters, filestore.RepairOptions{})
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("rebuild the state file of %s: %w", f.data, err)}
	}
	fmt.Fprintf(out, "rebuilt: %s\n", rebuilt)
	return nil
}

// parseVoters parses "1,2,3"; an id may appear once.
func parseVoters(list string) ([]uint64, error) {
	var voters []uint64
	for item := range strings.SplitSeq(list, ",") {
		id, err := strconv.ParseUint(strings.TrimSpace(item), 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("--voters: %q is not a positive id; expected ID,ID,... such as 1,2,3", item)
		}
		if slices.Contains(voters, id) {
			return nil, fmt.Errorf("--voters: %d is listed twice; expected each voter's id once, such as 1,2,3", id)
		}
		voters = append(voters, id)
	}
	return voters, nil
}

// printInspectReport prints the summary of a store, and its records if asked.
func printInspectReport(out io.Writer, r filestore.Report, records bool) {
	fmt.Fprintf(out, "state file: %s (voters %v, log generation %d)\n", r.StateFile, r.ConfState.Voters, r.Generation)
	if r.SnapshotFile != "" {
		fmt.Fprintf(out, "snapshot:   %s (index %d, term %d, voters %v, %d bytes of state; checksum ok)\n",
			r.SnapshotFile, r.Snapshot.Index, r.Snapshot.Term, r.Snapshot.ConfState.Voters, r.SnapshotBytes)
	} else {
		fmt.Fprintln(out, "snapshot:   none (the log starts at index 1)")
	}
	fmt.Fprintf(out, "log file:   %s (%d bytes: %d live, %d dead)\n", r.LogFile, r.LogBytes, r.LiveBytes, r.DeadBytes)
	fmt.Fprintf(out, "records:    %d valid, last index %d\n", len(r.Records), r.LastIndex)
	fmt.Fprintf(out, "hardstate:  term %d, voted for %s, commit %d\n", r.HardState.Term, voteName(r.HardState.VotedFor), r.HardState.Commit)
	recovering := ""
	if r.Recovering {
		recovering = "; recovering"
	}
	fmt.Fprintf(out, "state:      term %d, voted for %s; synced high-water mark %d bytes (index %d)%s\n",
		r.Term, voteName(r.VotedFor), r.HighWaterBytes, r.HighWaterIndex, recovering)
	if len(r.OtherFiles) > 0 {
		fmt.Fprintf(out, "other files: %s\n", strings.Join(r.OtherFiles, ", "))
	}
	if records {
		for _, rec := range r.Records {
			fmt.Fprintf(out, "  %s\n", rec)
		}
	}
}

func voteName(id uint64) string {
	if id == 0 {
		return "nobody"
	}
	return fmt.Sprint(id)
}

// inspectError explains a directory that holds no readable store, pointing at the
// node directories of a cluster when that is what was given.
func inspectError(dir string, err error) error {
	if _, statErr := os.Stat(dir); errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("%s does not exist; give the data directory of a node (its --data)", dir)
	}
	var nodes []string
	if entries, rerr := os.ReadDir(dir); rerr == nil {
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), "node") {
				nodes = append(nodes, filepath.Join(dir, e.Name()))
			}
		}
	}
	if len(nodes) > 0 {
		return fmt.Errorf("%s holds no node's store, but %s do: give one of them to --data", dir, strings.Join(nodes, ", "))
	}
	return fmt.Errorf("read the store in %s: %w", dir, err)
}

// shellQuote quotes s for a command line when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
