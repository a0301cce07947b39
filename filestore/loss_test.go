package filestore

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// openDir opens the store in dir on the real file system.
func openDir(t *testing.T, dir string) (*Store, RecoveryReport) {
	t.Helper()
	s, report, err := Open(dir, Options{Voters: testVoters})
	require.NoError(t, err)
	return s, report
}

// logSize returns the size of the current log file of the store in dir.
func logSize(t *testing.T, dir string) int64 {
	t.Helper()
	info, err := os.Stat(filepath.Join(dir, logFileName(1)))
	require.NoError(t, err)
	return info.Size()
}

// damageLog cuts the log file of dir at size and, with zeros > 0, appends that many
// zero bytes in place of what was cut (a zeroed tail).
func damageLog(t *testing.T, dir string, size int64, zeros int) {
	t.Helper()
	path := filepath.Join(dir, logFileName(1))
	require.NoError(t, os.Truncate(path, size))
	if zeros > 0 {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		require.NoError(t, err)
		_, err = f.Write(make([]byte, zeros))
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
}

// A cut or zeroed tail that takes synced records below the high-water mark is a
// proven loss: the store says so, remembers it across restarts until MarkRecovered,
// and the term and vote come back from the state file.
func TestLossBelowTheHighWaterMark(t *testing.T) {
	for _, tc := range []struct {
		name  string
		zeros int
	}{{"cut", 0}, {"zeroed", 300}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := openDir(t, dir)
			require.NoError(t, s.Save(engine.HardState{Term: 2, VotedFor: 1, Commit: 0}, ents(1, 2, 2), true))
			before := logSize(t, dir)
			require.NoError(t, s.Save(engine.HardState{Term: 2, VotedFor: 1, Commit: 2}, ents(3, 2, 2, 2, 2), true))
			require.NoError(t, s.Save(engine.HardState{Term: 3, VotedFor: 3, Commit: 2}, nil, true))
			require.NoError(t, s.Close()) // a clean shutdown: the high-water mark is the end

			damageLog(t, dir, before+5, tc.zeros)
			s, report := openDir(t, dir)
			require.NotNil(t, report.Loss, "the loss is proven")
			assert.True(t, report.Recovering)
			assert.True(t, s.Recovering())
			assert.Equal(t, uint64(2), report.Loss.LastIndex)
			assert.Equal(t, uint64(6), report.Loss.HighWaterIndex)
			assert.Contains(t, report.String(), "DATA LOST: the log lost synced records")
			hs, _, err := s.InitialState()
			require.NoError(t, err)
			assert.Equal(t, engine.HardState{Term: 3, VotedFor: 3, Commit: 0}, hs, "term and vote come from the state file")

			// Still recovering after a restart, until the node says it caught up.
			s, report = reopenDir(t, s, dir)
			assert.Nil(t, report.Loss, "nothing more was lost")
			assert.True(t, report.Recovering)
			require.NoError(t, s.Save(engine.HardState{Term: 3, VotedFor: 3, Commit: 6}, ents(3, 2, 2, 2, 2), true))
			require.NoError(t, s.MarkRecovered())
			assert.False(t, s.Recovering())
			s, report = reopenDir(t, s, dir)
			assert.False(t, report.Recovering)
			assert.Nil(t, report.Loss)
			require.NoError(t, s.Close())
		})
	}
}

func reopenDir(t *testing.T, s *Store, dir string) (*Store, RecoveryReport) {
	t.Helper()
	require.NoError(t, s.Close())
	return openDir(t, dir)
}

// A log that lost only HardState records still contradicts the state file's term.
func TestLostTermIsRestoredAndReported(t *testing.T) {
	dir := t.TempDir()
	s, _ := openDir(t, dir)
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1}, ents(1, 1, 1), true))
	require.NoError(t, s.Checkpoint())
	before := logSize(t, dir)
	require.NoError(t, s.Save(engine.HardState{Term: 4, VotedFor: 2}, nil, true))
	// A kill: no clean shutdown, so the high-water mark stays where it was written.
	require.NoError(t, s.file.Close())
	s.unlock() // the kernel drops a killed process's lock
	damageLog(t, dir, before, 0)

	s, report := openDir(t, dir)
	require.NotNil(t, report.Loss)
	assert.Contains(t, report.Loss.Reason, "its last HardState is of term 1, but the state file says term 4")
	hs, _, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, uint64(4), hs.Term)
	assert.Equal(t, uint64(2), hs.VotedFor, "the vote of term 4 is kept: no second vote in that term")
	require.NoError(t, s.Close())
}

// A torn tail beyond the high-water mark (a record that was never synced, or synced
// after the last checkpoint) cannot be told from a crash: no loss is reported.
func TestTornTailAboveTheHighWaterMarkIsNoLoss(t *testing.T) {
	dir := t.TempDir()
	s, _ := openDir(t, dir)
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1}, ents(1, 1, 1), true))
	require.NoError(t, s.Checkpoint())
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1, Commit: 1}, ents(2, 1), true))
	require.NoError(t, s.file.Close())
	s.unlock() // the kernel drops a killed process's lock
	damageLog(t, dir, logSize(t, dir)-3, 0)

	s, report := openDir(t, dir)
	assert.NotNil(t, report.TornTail)
	assert.Nil(t, report.Loss)
	assert.False(t, report.Recovering)
	require.NoError(t, s.Close())
}

// Checkpoint raises the high-water mark only when the synced log grew.
func TestCheckpointRaisesTheHighWaterMark(t *testing.T) {
	s, _ := openMem(t, Options{})
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1}, ents(1, 1, 1), true))
	mark := s.durable.hwm
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1, Commit: 2}, ents(3, 1), false))
	require.NoError(t, s.Checkpoint())
	assert.Equal(t, mark, s.durable.hwm, "unsynced bytes are not claimed")
	require.NoError(t, s.Save(engine.HardState{}, nil, true))
	require.NoError(t, s.Checkpoint())
	assert.Equal(t, uint64(3), s.durable.hwm.index)
	assert.Equal(t, uint64(s.size), s.durable.hwm.bytes)
}

// A state file of version 1 (no term, vote or high-water mark) still opens.
func TestStateFileVersion1(t *testing.T) {
	b := append([]byte(stateMagic), 1, 0, 0, 0)
	b = append(b, 7)
	b = binary.AppendUvarint(b, uint64(len(testVoters))) // the voters-only ConfState of versions 1 to 3
	for _, id := range testVoters {
		b = binary.AppendUvarint(b, id)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32c(b))
	st, err := decodeStateFile(b)
	require.NoError(t, err)
	assert.Equal(t, stateFile{generation: 7, conf: engine.ConfState{Voters: testVoters}}, st)

	full := stateFile{generation: 2, conf: engine.ConfState{Voters: testVoters}, term: 9, vote: 3,
		hwm: highWater{bytes: 4096, index: 77}, recovering: true}
	got, err := decodeStateFile(encodeStateFile(full))
	require.NoError(t, err)
	assert.Equal(t, full, got)
}

// A missing or damaged state file is refused, and RebuildState makes a new one from
// the log: the node then rejoins as a recovering non-voter.
func TestRebuildState(t *testing.T) {
	for _, damage := range []string{"missing", "damaged"} {
		t.Run(damage, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := openDir(t, dir)
			require.NoError(t, s.Save(engine.HardState{Term: 2, VotedFor: 3, Commit: 1}, ents(1, 1, 2), true))
			require.NoError(t, s.Close())
			statePath := filepath.Join(dir, stateFileName)
			if damage == "missing" {
				require.NoError(t, os.Remove(statePath))
			} else {
				flipByte(t, statePath, 9)
			}
			_, _, err := Open(dir, Options{Voters: testVoters})
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			assert.True(t, ce.InStateFile())

			_, err = RebuildState(dir, nil, RepairOptions{})
			assert.ErrorContains(t, err, "the voters must be given")
			dry, err := RebuildState(dir, testVoters, RepairOptions{DryRun: true})
			require.NoError(t, err)
			assert.False(t, dry.Changed)
			r, err := RebuildState(dir, testVoters, RepairOptions{})
			require.NoError(t, err)
			assert.True(t, r.Changed)
			assert.Equal(t, uint64(2), r.LastIndex)
			assert.Equal(t, engine.HardState{Term: 2, VotedFor: 3, Commit: 1}, r.HardState)
			if damage == "damaged" {
				assert.Equal(t, statePath+".bak", r.Backup)
			} else {
				assert.Empty(t, r.Backup)
			}
			assert.Contains(t, r.String(), "marked recovering")

			s, report := openDir(t, dir)
			assert.True(t, report.Recovering, "nothing proves that no acknowledged entry was lost")
			hs, conf, err := s.InitialState()
			require.NoError(t, err)
			assert.Equal(t, uint64(2), hs.Term)
			assert.Equal(t, uint64(3), hs.VotedFor)
			assert.Equal(t, testVoters, conf.Voters)
			assert.Equal(t, "1@1 2@2", describe(readAll(t, s)))
			require.NoError(t, s.Close())

			again, err := RebuildState(dir, testVoters, RepairOptions{})
			require.NoError(t, err)
			assert.False(t, again.Changed, "an intact state file is left alone")
		})
	}
}

// AcceptLoss lets a recovering store vote again, and the loss is not found again.
func TestAcceptLoss(t *testing.T) {
	dir := t.TempDir()
	s, _ := openDir(t, dir)
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1}, ents(1, 1), true))
	before := logSize(t, dir)
	require.NoError(t, s.Save(engine.HardState{Term: 2, VotedFor: 2, Commit: 1}, ents(2, 1, 2), true))
	require.NoError(t, s.Close())
	damageLog(t, dir, before+3, 0)

	would, err := AcceptLoss(dir, RepairOptions{DryRun: true})
	require.NoError(t, err)
	assert.True(t, would, "the loss is not recorded yet, but Open would find it")
	cleared, err := AcceptLoss(dir, RepairOptions{})
	require.NoError(t, err)
	assert.True(t, cleared)
	s, report := openDir(t, dir)
	assert.Nil(t, report.Loss)
	assert.False(t, report.Recovering)
	hs, _, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), hs.Term, "the term stays")
	assert.Equal(t, uint64(2), hs.VotedFor, "the vote stays")
	require.NoError(t, s.Close())
	cleared, err = AcceptLoss(dir, RepairOptions{})
	require.NoError(t, err)
	assert.False(t, cleared, "nothing to accept")
}

// A log file that is gone is refused; Repair starts an empty one, and the node rejoins
// recovering with its term and vote.
func TestRepairStartsAMissingLog(t *testing.T) {
	dir := t.TempDir()
	s, _ := openDir(t, dir)
	require.NoError(t, s.Save(engine.HardState{Term: 3, VotedFor: 2, Commit: 1}, ents(1, 3, 3), true))
	require.NoError(t, s.Close())
	require.NoError(t, os.Remove(filepath.Join(dir, logFileName(1))))

	_, _, err := Open(dir, Options{})
	var ce *CorruptionError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.MissingLog())
	_, err = Inspect(dir)
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.MissingLog())

	dry, err := Repair(dir, RepairOptions{DryRun: true})
	require.NoError(t, err)
	assert.Contains(t, dry.String(), "missing; would start an empty log")
	r, err := Repair(dir, RepairOptions{})
	require.NoError(t, err)
	assert.True(t, r.Changed)
	assert.Contains(t, r.String(), "missing; started an empty log")

	s, report := openDir(t, dir)
	assert.True(t, report.Recovering)
	assert.Equal(t, uint64(0), report.LastIndex)
	hs, _, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, uint64(3), hs.Term)
	assert.Equal(t, uint64(2), hs.VotedFor)
	require.NoError(t, s.Close())
}
