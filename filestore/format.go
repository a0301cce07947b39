package filestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/engine"
)

// The on-disk format; doc.go explains it and why it survives a crash at any byte.

const (
	// formatVersion is written in every log file header.
	formatVersion = 1
	// stateFormatVersion is written in the state file. Version 2 added the term, the
	// vote, the high-water mark and the recovering flag; version 3 the snapshot the
	// log follows; version 4 a whole ConfState (learners, outgoing voters, member
	// contexts: membership changes, §6) where older versions hold the voters only.
	// Versions 1 to 3 are read too.
	stateFormatVersion = 4
	// stateFirstFullConfVersion is the first state file version with a whole ConfState.
	stateFirstFullConfVersion = 4

	// stateFileName holds the ConfState and the generation of the current log file.
	stateFileName = "state"
	// stateTempName is where a new state file is written before it is renamed over
	// stateFileName.
	stateTempName = "state.tmp"
	// logFilePrefix starts the name of every log file: "log-" and the generation in
	// 16 hex digits.
	logFilePrefix = "log-"

	logMagic   = "RPLAYLOG"
	stateMagic = "RPLAYSTA"

	// logHeaderSize is the size of a log file header: magic, version, salt,
	// generation, checksum.
	logHeaderSize = 8 + 4 + 4 + 8 + 4
	// frameSize is the size of a record's frame: body length, body checksum, frame
	// checksum.
	frameSize = 12
	// maxRecordBody bounds one record's body; a Save larger than this is refused.
	maxRecordBody = 1 << 30
	// minEntrySize is the fewest bytes an encoded entry takes (four one-byte
	// uvarints), used to bound an entry count by the bytes that remain.
	minEntrySize = 4
	// flagHardState is the record flags bit saying a HardState follows.
	flagHardState = 1
	// flagTypedEntries is the record flags bit saying the entries carry their type
	// (engine.AppendEntry's form since membership changes, §6). Records written
	// before then lack it, and their entries are read as normal ones
	// (engine.DecodeEntryLegacy).
	flagTypedEntries = 2
	// recordFlags are the flags bits a record may have.
	recordFlags = flagHardState | flagTypedEntries
)

// castagnoli is the CRC-32C table; Go computes it with the SSE4.2 / ARMv8 CRC
// instructions where the CPU has them.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// logFileName returns the name of the log file of a generation.
func logFileName(generation uint64) string {
	return fmt.Sprintf("%s%016x", logFilePrefix, generation)
}

// parseLogFileName returns the generation a log file name carries, and false for a
// name that is not exactly a log file's (backups and temporary files are not).
func parseLogFileName(name string) (uint64, bool) {
	hex, ok := strings.CutPrefix(name, logFilePrefix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	generation, err := strconv.ParseUint(hex, 16, 64)
	return generation, err == nil
}

// logHeader is the first logHeaderSize bytes of a log file.
type logHeader struct {
	version    uint32
	salt       uint32 // random per file: seeds every checksum in the file
	generation uint64 // the generation the state file names this file by
}

// seed is the checksum state after the salt: every checksum in the file starts from
// it, so a record copied from another file (or left on disk by one) never validates.
func (h logHeader) seed() uint32 {
	var salt [4]byte
	binary.LittleEndian.PutUint32(salt[:], h.salt)
	return crc32.Update(0, castagnoli, salt[:])
}

func appendLogHeader(b []byte, h logHeader) []byte {
	start := len(b)
	b = append(b, logMagic...)
	b = binary.LittleEndian.AppendUint32(b, h.version)
	b = binary.LittleEndian.AppendUint32(b, h.salt)
	b = binary.LittleEndian.AppendUint64(b, h.generation)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

func decodeLogHeader(b []byte) (logHeader, error) {
	if len(b) < logHeaderSize {
		return logHeader{}, fmt.Errorf("file header cut short: %d of %d bytes", len(b), logHeaderSize)
	}
	if string(b[:8]) != logMagic {
		return logHeader{}, fmt.Errorf("not a raftplay log file: magic %q, want %q", b[:8], logMagic)
	}
	if got, want := binary.LittleEndian.Uint32(b[24:]), crc32.Checksum(b[:24], castagnoli); got != want {
		return logHeader{}, fmt.Errorf("file header checksum mismatch: stored %08x, computed %08x", got, want)
	}
	h := logHeader{
		version:    binary.LittleEndian.Uint32(b[8:]),
		salt:       binary.LittleEndian.Uint32(b[12:]),
		generation: binary.LittleEndian.Uint64(b[16:]),
	}
	if h.version != formatVersion {
		return logHeader{}, fmt.Errorf("unsupported format version %d (this build reads %d)", h.version, formatVersion)
	}
	return h, nil
}

// appendRecord appends one framed record holding hs (if withHS) and entries. The
// checksums start from seed (see logHeader.seed).
func appendRecord(b []byte, seed uint32, withHS bool, hs engine.HardState, entries []engine.Entry) []byte {
	start := len(b)
	b = append(b, make([]byte, frameSize)...)
	if withHS {
		b = append(b, flagHardState|flagTypedEntries)
		b = engine.AppendHardState(b, hs)
	} else {
		b = append(b, flagTypedEntries)
	}
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for i := range entries {
		b = engine.AppendEntry(b, &entries[i])
	}
	sealFrame(b[start:], seed)
	return b
}

// sealFrame fills in the frame of the record in rec, whose body follows the frame.
func sealFrame(rec []byte, seed uint32) {
	body := rec[frameSize:]
	binary.LittleEndian.PutUint32(rec[0:], uint32(len(body)))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Update(seed, castagnoli, body))
	binary.LittleEndian.PutUint32(rec[8:], crc32.Update(seed, castagnoli, rec[:8]))
}

// checkFrame checks the record that starts at data[off:] and returns its body, or
// the reason it is not a valid record.
func checkFrame(data []byte, off int, seed uint32) (body []byte, reason string) {
	remaining := len(data) - off
	if remaining < frameSize {
		return nil, fmt.Sprintf("record frame cut short: %d of %d bytes", remaining, frameSize)
	}
	frame := data[off : off+frameSize]
	if crc32.Update(seed, castagnoli, frame[:8]) != binary.LittleEndian.Uint32(frame[8:]) {
		return nil, "record frame checksum mismatch"
	}
	n := binary.LittleEndian.Uint32(frame)
	if uint64(n) > uint64(remaining-frameSize) {
		return nil, fmt.Sprintf("record of %d bytes runs past the end of the file (%d bytes remain)", n, remaining-frameSize)
	}
	body = data[off+frameSize : off+frameSize+int(n)]
	if crc32.Update(seed, castagnoli, body) != binary.LittleEndian.Uint32(frame[4:]) {
		return nil, "record checksum mismatch"
	}
	return body, ""
}

// isValidFrame is checkFrame's yes/no form for scanning, cheapest checks first.
func isValidFrame(data []byte, off int, seed uint32) bool {
	remaining := len(data) - off
	if remaining < frameSize {
		return false
	}
	n := binary.LittleEndian.Uint32(data[off:])
	if uint64(n) > uint64(remaining-frameSize) {
		return false
	}
	_, reason := checkFrame(data, off, seed)
	return reason == ""
}

// findValidFrame returns the offset of the first valid record that starts at or
// after from, or -1. It tries every byte offset: after damage, record boundaries are
// unknown.
func findValidFrame(data []byte, from int, seed uint32) int {
	for off := from; off+frameSize <= len(data); off++ {
		if isValidFrame(data, off, seed) {
			return off
		}
	}
	return -1
}

// stateFile is the content of the state file.
type stateFile struct {
	generation uint64 // the current log file is logFileName(generation)
	conf       engine.ConfState
	// term and vote are the HardState's Term and VotedFor, written before any message
	// that depends on them goes out, so that a log that lost its tail cannot take them
	// back with it.
	term, vote uint64
	// hwm is the synced high-water mark of the current log file: what it held, synced,
	// when the state file was written.
	hwm highWater
	// recovering: the store lost entries it may have acknowledged, and the node has not
	// yet caught up from a leader (engine.Config.Recovering).
	recovering bool
	// snap is the snapshot the log follows: the file snapFileName(snap.index) holds
	// it, and the log's first entry is snap.index+1. Zero without a snapshot.
	snap snapRef
}

// snapRef names a snapshot by its last included index and term (§7).
type snapRef struct{ index, term uint64 }

// highWater is the extent of a log file known to be synced. Appends never rewrite a
// synced byte, so a valid log ending below bytes proves that synced records were lost.
type highWater struct {
	bytes uint64 // the file's size: its valid records end at least here
	index uint64 // the last index the log held then, for messages: a truncation (§5.3) may lower it since
}

// stateFlagRecovering is the state file flags bit for stateFile.recovering.
const stateFlagRecovering = 1

func encodeStateFile(st stateFile) []byte {
	b := append([]byte(stateMagic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[8:], stateFormatVersion)
	b = binary.AppendUvarint(b, st.generation)
	b = engine.AppendConfState(b, st.conf)
	b = binary.AppendUvarint(b, st.term)
	b = binary.AppendUvarint(b, st.vote)
	b = binary.AppendUvarint(b, st.hwm.bytes)
	b = binary.AppendUvarint(b, st.hwm.index)
	var flags byte
	if st.recovering {
		flags |= stateFlagRecovering
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, st.snap.index)
	b = binary.AppendUvarint(b, st.snap.term)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeStateFile decodes a state file. The error says what is wrong, not where: the
// state file is small and replaced whole, so it is either intact or damaged. A state
// file of version 1 holds only the generation and the ConfState.
func decodeStateFile(b []byte) (stateFile, error) {
	const minSize = 8 + 4 + 1 + 1 + 4
	if len(b) < minSize {
		return stateFile{}, fmt.Errorf("state file cut short: %d bytes, at least %d expected", len(b), minSize)
	}
	if string(b[:8]) != stateMagic {
		return stateFile{}, fmt.Errorf("not a raftplay state file: magic %q, want %q", b[:8], stateMagic)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if computed := crc32.Checksum(body, castagnoli); computed != sum {
		return stateFile{}, fmt.Errorf("state file checksum mismatch: stored %08x, computed %08x", sum, computed)
	}
	version := binary.LittleEndian.Uint32(b[8:])
	if version < 1 || version > stateFormatVersion {
		return stateFile{}, fmt.Errorf("unsupported state file version %d (this build reads 1 to %d)", version, stateFormatVersion)
	}
	rest := body[12:]
	generation, n := binary.Uvarint(rest)
	if n <= 0 {
		return stateFile{}, errors.New("state file: bad log generation")
	}
	decodeConf := engine.DecodeConfState
	if version < stateFirstFullConfVersion {
		decodeConf = engine.DecodeConfStateLegacy
	}
	conf, m, err := decodeConf(rest[n:])
	if err != nil {
		return stateFile{}, fmt.Errorf("state file: %w", err)
	}
	st := stateFile{generation: generation, conf: conf}
	rest = rest[n+m:]
	if version >= 2 {
		fields := []*uint64{&st.term, &st.vote, &st.hwm.bytes, &st.hwm.index}
		names := []string{"term", "vote", "high-water bytes", "high-water index"}
		for i, field := range fields {
			v, k := binary.Uvarint(rest)
			if k <= 0 {
				return stateFile{}, fmt.Errorf("state file: bad %s", names[i])
			}
			*field, rest = v, rest[k:]
		}
		if len(rest) == 0 || rest[0]&^stateFlagRecovering != 0 {
			return stateFile{}, errors.New("state file: bad flags")
		}
		st.recovering, rest = rest[0]&stateFlagRecovering != 0, rest[1:]
	}
	if version >= 3 {
		for _, field := range []*uint64{&st.snap.index, &st.snap.term} {
			v, k := binary.Uvarint(rest)
			if k <= 0 {
				return stateFile{}, errors.New("state file: bad snapshot index or term")
			}
			*field, rest = v, rest[k:]
		}
		if (st.snap.index == 0) != (st.snap.term == 0) {
			return stateFile{}, fmt.Errorf("state file: snapshot index %d with term %d", st.snap.index, st.snap.term)
		}
	}
	if len(rest) != 0 {
		return stateFile{}, fmt.Errorf("state file: %d trailing bytes", len(rest))
	}
	return st, nil
}
