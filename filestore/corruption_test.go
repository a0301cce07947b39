package filestore

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// fiveRecords makes a store in a temporary directory whose log holds five records,
// entries 1..2, 3..4, ..., 9..10, each with a HardState committing the one before.
// It returns the directory, the log file's path and the records.
func fiveRecords(t *testing.T) (dir, logPath string, records []RecordInfo) {
	t.Helper()
	dir = t.TempDir()
	s, _, err := Open(dir, Options{Voters: testVoters, NoSync: true})
	require.NoError(t, err)
	for i := uint64(0); i < 5; i++ {
		hs := engine.HardState{Term: 1, VotedFor: 1, Commit: 2 * i}
		require.NoError(t, s.Save(hs, ents(2*i+1, 1, 1), true))
	}
	require.NoError(t, s.Close())
	r, err := Inspect(dir)
	require.NoError(t, err)
	require.Len(t, r.Records, 5)
	return dir, r.LogFile, r.Records
}

// flipByte inverts one byte of a file.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	data[off] ^= 0xff
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func TestCorruptionInTheMiddle(t *testing.T) {
	tests := []struct {
		name       string
		at         func(rec RecordInfo) int64 // the byte to flip, in record 2
		wantReason string
	}{
		{name: "body length", at: func(rec RecordInfo) int64 { return rec.Offset }, wantReason: "record frame checksum mismatch"},
		{name: "body checksum", at: func(rec RecordInfo) int64 { return rec.Offset + 5 }, wantReason: "record frame checksum mismatch"},
		{name: "frame checksum", at: func(rec RecordInfo) int64 { return rec.Offset + 9 }, wantReason: "record frame checksum mismatch"},
		{name: "hard state", at: func(rec RecordInfo) int64 { return rec.Offset + frameSize + 1 }, wantReason: "record checksum mismatch"},
		{name: "entry", at: func(rec RecordInfo) int64 { return rec.Offset + int64(rec.Size) - 1 }, wantReason: "record checksum mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, logPath, records := fiveRecords(t)
			damaged := records[2]
			flipByte(t, logPath, tt.at(damaged))
			before, err := os.ReadFile(logPath)
			require.NoError(t, err)

			_, _, err = Open(dir, Options{})
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, logPath, ce.File)
			assert.Equal(t, damaged.Offset, ce.Offset)
			assert.Contains(t, ce.Reason, tt.wantReason)
			assert.Contains(t, ce.Reason, "a valid record follows at offset")
			assert.Contains(t, err.Error(), logPath+" is corrupt at offset")
			after, err := os.ReadFile(logPath)
			require.NoError(t, err)
			assert.Equal(t, before, after, "a refused Open changes nothing")

			r, err := Inspect(dir)
			require.NoError(t, err)
			assert.Len(t, r.Records, 2)
			require.NotNil(t, r.Corruption)
			assert.Equal(t, damaged.Offset, r.Corruption.Offset)

			dry, err := Repair(dir, RepairOptions{DryRun: true})
			require.NoError(t, err)
			assert.False(t, dry.Changed)
			assert.Empty(t, dry.Backup)
			assert.Contains(t, dry.String(), "would cut")
			_, _, err = Open(dir, Options{})
			require.ErrorAs(t, err, &ce, "a dry run repairs nothing")

			repaired, err := Repair(dir, RepairOptions{})
			require.NoError(t, err)
			assert.True(t, repaired.Changed)
			assert.Equal(t, damaged.Offset, repaired.CutOffset)
			assert.Equal(t, int64(len(before))-damaged.Offset, repaired.CutBytes)
			assert.Equal(t, 2, repaired.KeptRecords)
			assert.Equal(t, uint64(4), repaired.LastIndex)
			assert.Equal(t, engine.HardState{Term: 1, VotedFor: 1, Commit: 2}, repaired.HardState)
			assert.Equal(t, logPath+".bak", repaired.Backup)
			backup, err := os.ReadFile(repaired.Backup)
			require.NoError(t, err)
			assert.Equal(t, before, backup, "the backup is the damaged file as it was")
			assert.Contains(t, repaired.String(), "the damaged file is kept as "+logPath+".bak")

			s, report, err := Open(dir, Options{})
			require.NoError(t, err)
			assert.Nil(t, report.TornTail)
			require.NotNil(t, report.Loss, "the cut took synced records: the high-water mark proves it")
			assert.True(t, report.Recovering)
			assert.Empty(t, report.Removed, "Open keeps the backup")
			assert.Equal(t, "1@1 2@1 3@1 4@1", describe(readAll(t, s)))
			require.NoError(t, s.Close())

			// A second repair of a second damage keeps both backups.
			flipByte(t, logPath, records[0].Offset+frameSize+1)
			repaired, err = Repair(dir, RepairOptions{})
			require.NoError(t, err)
			assert.Equal(t, logPath+".bak.2", repaired.Backup)
			assert.Equal(t, uint64(0), repaired.LastIndex)
		})
	}
}

func TestCorruptionOfTheLastRecordIsATornTail(t *testing.T) {
	for _, at := range []string{"frame", "body"} {
		t.Run(at, func(t *testing.T) {
			dir, logPath, records := fiveRecords(t)
			last := records[4]
			off := last.Offset + 2
			if at == "body" {
				off = last.Offset + int64(last.Size) - 2
			}
			flipByte(t, logPath, off)

			s, report, err := Open(dir, Options{})
			require.NoError(t, err)
			require.NotNil(t, report.TornTail)
			assert.Equal(t, TornTail{File: logPath, Offset: last.Offset, Bytes: int64(last.Size), Reason: report.TornTail.Reason}, *report.TornTail)
			assert.Contains(t, report.String(), "cut a torn tail of")
			assert.Equal(t, uint64(8), report.LastIndex)
			assert.Equal(t, "1@1 2@1 3@1 4@1 5@1 6@1 7@1 8@1", describe(readAll(t, s)))
			// The record was synced, and the clean Close put the high-water mark past it.
			require.NotNil(t, report.Loss)
			assert.True(t, report.Recovering)
			// The cut is on disk (the HardState record that makes the loss durable
			// follows it), and new records follow the kept ones.
			info, err := os.Stat(logPath)
			require.NoError(t, err)
			assert.Equal(t, s.Stats().FileBytes, info.Size())
			require.NoError(t, s.Save(engine.HardState{}, ents(9, 2), true))
			require.NoError(t, s.Close())
			s, report, err = Open(dir, Options{})
			require.NoError(t, err)
			assert.Nil(t, report.TornTail)
			assert.Equal(t, uint64(9), report.LastIndex)
			require.NoError(t, s.Close())
		})
	}
}

func TestTruncatedFile(t *testing.T) {
	dir, logPath, records := fiveRecords(t)
	last := records[4]
	for _, size := range []int64{last.Offset + int64(last.Size) - 1, last.Offset + 5, last.Offset + 1} {
		require.NoError(t, os.Truncate(logPath, size))
		r, err := Inspect(dir)
		require.NoError(t, err)
		require.NotNil(t, r.TornTail, "size %d", size)
		assert.Equal(t, last.Offset, r.TornTail.Offset)
		assert.Equal(t, size-last.Offset, r.TornTail.Bytes)
	}
	repaired, err := Repair(dir, RepairOptions{})
	require.NoError(t, err)
	assert.True(t, repaired.Changed)
	assert.NotNil(t, repaired.TornTail)
	assert.Contains(t, repaired.String(), "torn tail at offset")
}

func TestDamagedFiles(t *testing.T) {
	tests := []struct {
		name       string
		damage     func(t *testing.T, dir, logPath string)
		wantFile   string // relative to dir
		wantOffset int64
		wantReason string
		repairs    bool // Repair fixes it (by starting an empty log)
	}{
		{
			name:       "state file checksum",
			damage:     func(t *testing.T, dir, _ string) { flipByte(t, filepath.Join(dir, "state"), 13) },
			wantFile:   "state",
			wantReason: "state file checksum mismatch",
		},
		{
			name: "state file not a state file",
			damage: func(t *testing.T, dir, _ string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "state"), []byte("hello, world, how are you"), 0o644))
			},
			wantFile:   "state",
			wantReason: "not a raftplay state file",
		},
		{
			name:       "log file header",
			damage:     func(t *testing.T, _, logPath string) { flipByte(t, logPath, 12) },
			wantFile:   "log-0000000000000001",
			wantReason: "file header checksum mismatch",
		},
		{
			name:       "log file missing",
			damage:     func(t *testing.T, _, logPath string) { require.NoError(t, os.Remove(logPath)) },
			wantFile:   "log-0000000000000001",
			wantReason: "the log file the state file names is missing",
			repairs:    true,
		},
		{
			name: "log file of another generation",
			damage: func(t *testing.T, _, logPath string) {
				data, err := os.ReadFile(logPath)
				require.NoError(t, err)
				header := appendLogHeader(nil, logHeader{version: formatVersion, generation: 7})
				require.NoError(t, os.WriteFile(logPath, append(header, data[logHeaderSize:]...), 0o644))
			},
			wantFile:   "log-0000000000000001",
			wantReason: "the file header says generation 7, the state file names generation 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, logPath, _ := fiveRecords(t)
			tt.damage(t, dir, logPath)
			_, _, err := Open(dir, Options{})
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, filepath.Join(dir, tt.wantFile), ce.File)
			assert.Equal(t, tt.wantOffset, ce.Offset)
			assert.Contains(t, ce.Reason, tt.wantReason)
			_, err = Repair(dir, RepairOptions{})
			if tt.repairs {
				assert.NoError(t, err)
				return
			}
			assert.Error(t, err, "Repair does not rebuild a header or a state file")
		})
	}
}

// A record that passes its checksum but breaks the log's rules was written by a broken
// program, not torn by a crash: it is corruption even at the end of the file.
func TestValidChecksumInvalidRecord(t *testing.T) {
	dir, logPath, _ := fiveRecords(t)
	data, err := os.ReadFile(logPath)
	require.NoError(t, err)
	h, err := decodeLogHeader(data)
	require.NoError(t, err)
	end := int64(len(data))
	gap := appendRecord(nil, h.seed(), false, engine.HardState{}, ents(20, 1))
	require.NoError(t, os.WriteFile(logPath, append(data, gap...), 0o644))

	_, _, err = Open(dir, Options{})
	var ce *CorruptionError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, end, ce.Offset)
	assert.Contains(t, ce.Reason, "record passes its checksum but is invalid: entry 0 of 1 at body offset 2: entries start at 20, leaving a gap after the last index 10")
}

// A record copied from another log file (as stale disk blocks can show up after a
// crash) does not validate: every checksum is seeded with the file's random salt.
func TestRecordsFromAnotherFileDoNotValidate(t *testing.T) {
	dirA, logA, recordsA := fiveRecords(t)
	_, logB, recordsB := fiveRecords(t)
	dataA, err := os.ReadFile(logA)
	require.NoError(t, err)
	dataB, err := os.ReadFile(logB)
	require.NoError(t, err)
	// Replace A's last record by B's: the same bytes but for the salt.
	tail := dataB[recordsB[4].Offset:]
	require.NoError(t, os.WriteFile(logA, append(dataA[:recordsA[4].Offset:recordsA[4].Offset], tail...), 0o644))
	s, report, err := Open(dirA, Options{})
	require.NoError(t, err)
	require.NotNil(t, report.TornTail)
	assert.Equal(t, "record frame checksum mismatch", report.TornTail.Reason)
	require.NoError(t, s.Close())
}

func TestLogHeaderRoundTrip(t *testing.T) {
	h := logHeader{version: formatVersion, salt: 0xdeadbeef, generation: 1 << 40}
	b := appendLogHeader(nil, h)
	require.Len(t, b, logHeaderSize)
	got, err := decodeLogHeader(b)
	require.NoError(t, err)
	assert.Equal(t, h, got)

	binary.LittleEndian.PutUint32(b[8:], 2)
	binary.LittleEndian.PutUint32(b[24:], crc32c(b[:24]))
	_, err = decodeLogHeader(b)
	assert.ErrorContains(t, err, "unsupported format version 2")
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
