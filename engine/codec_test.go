package engine_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// codecSamples holds a message of every type, with the fields each type uses.
var codecSamples = []struct {
	name string
	msg  engine.Message
}{
	{"RequestVote", engine.Message{Type: engine.MsgVote, From: 1, To: 2, Term: 5, Index: 10, LogTerm: 4}},
	{"RequestVoteResp granted", engine.Message{Type: engine.MsgVoteResp, From: 2, To: 1, Term: 5}},
	{"RequestVoteResp refused", engine.Message{Type: engine.MsgVoteResp, From: 3, To: 1, Term: 5, Reject: true}},
	{"PreVote", engine.Message{Type: engine.MsgPreVote, From: 1, To: 3, Term: 6, Index: 10, LogTerm: 4}},
	{"PreVoteResp", engine.Message{Type: engine.MsgPreVoteResp, From: 3, To: 1, Term: 6}},
	{"AppendEntries probe", engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 5, Index: 9, LogTerm: 4, Commit: 8}},
	{"AppendEntries with entries", engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 5, Index: 9, LogTerm: 4, Commit: 8,
		Entries: []engine.Entry{
			{Index: 10, Term: 5},
			{Index: 11, Term: 5, Command: []byte("put x 1")},
			{Index: 12, Term: 5, Command: []byte("del x"), Context: []byte{0, 0xff}},
		}}},
	{"AppendEntries with a configuration entry", engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 5, Index: 12, LogTerm: 5, Commit: 8,
		Entries: []engine.Entry{{Index: 13, Term: 5, Type: engine.EntryConfChange, Command: engine.AppendConfState(nil,
			engine.ConfState{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}, Learners: []uint64{5},
				Contexts: []engine.MemberContext{{ID: 4, Context: []byte("127.0.0.1:7004")}}})}}}},
	{"AppendEntriesResp accepted", engine.Message{Type: engine.MsgAppResp, From: 2, To: 1, Term: 5, Index: 12}},
	{"AppendEntriesResp rejected", engine.Message{Type: engine.MsgAppResp, From: 2, To: 1, Term: 5, Index: 9, LogTerm: 3, Reject: true, RejectHint: 7}},
	{"AppendEntriesResp rejected after a restart", engine.Message{Type: engine.MsgAppResp, From: 2, To: 1, Term: 5, Index: 9, Reject: true, RejectHint: 4, Restarted: true, Recovering: true}},
	{"AppendEntries to a recovering follower", engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 5, Index: 9, LogTerm: 4, Commit: 8, Tail: true}},
	{"HeartbeatResp recovering", engine.Message{Type: engine.MsgHeartbeatResp, From: 3, To: 1, Term: 5, Recovering: true}},
	{"Heartbeat", engine.Message{Type: engine.MsgHeartbeat, From: 1, To: 3, Term: 5, Commit: 12, ReadID: 77}},
	{"HeartbeatResp", engine.Message{Type: engine.MsgHeartbeatResp, From: 3, To: 1, Term: 5, ReadID: 77}},
	{"InstallSnapshot chunk", engine.Message{Type: engine.MsgSnap, From: 1, To: 3, Term: 5, Index: 40, LogTerm: 4,
		Offset: 1024, Data: []byte("state machine bytes"), Conf: engine.ConfState{Voters: []uint64{1, 2, 3}}}},
	{"InstallSnapshot last chunk", engine.Message{Type: engine.MsgSnap, From: 1, To: 3, Term: 5, Index: 40, LogTerm: 4,
		Offset: math.MaxUint64, Done: true, Conf: engine.ConfState{Voters: []uint64{1, 2, math.MaxUint64}, Learners: []uint64{7}, VotersOutgoing: []uint64{1, 2}, Contexts: []engine.MemberContext{{ID: 7, Context: []byte("addr")}}}}},
	{"InstallSnapshotResp ack", engine.Message{Type: engine.MsgSnapResp, From: 3, To: 1, Term: 5, Index: 40, LogTerm: 4, Offset: 2048}},
	{"InstallSnapshotResp resend", engine.Message{Type: engine.MsgSnapResp, From: 3, To: 1, Term: 5, Index: 40, LogTerm: 4, Reject: true}},
	{"InstallSnapshotResp installed", engine.Message{Type: engine.MsgSnapResp, From: 3, To: 1, Term: 5, Index: 40, LogTerm: 4, Offset: 2067, Done: true}},
	{"InstallSnapshotResp refused", engine.Message{Type: engine.MsgSnapResp, From: 3, To: 1, Term: 5, Index: 40, LogTerm: 4, Reject: true, Done: true, RejectHint: 45}},
	{"every field at its largest", engine.Message{Type: engine.MsgAppResp, From: math.MaxUint64, To: math.MaxUint64,
		Term: math.MaxUint64, Index: math.MaxUint64, LogTerm: math.MaxUint64, Commit: math.MaxUint64, Reject: true,
		RejectHint: math.MaxUint64, ReadID: math.MaxUint64,
		Entries: []engine.Entry{{Index: math.MaxUint64, Term: math.MaxUint64, Command: bytes.Repeat([]byte{7}, 300)}}}},
}

// codecMessageTypes lists every valid message type, found through String so that the list
// follows the types message.go declares.
func codecMessageTypes() []engine.MessageType {
	var types []engine.MessageType
	for t := engine.MsgInvalid + 1; !strings.HasPrefix(t.String(), "MessageType("); t++ {
		types = append(types, t)
	}
	return types
}

func TestMessageRoundTrip(t *testing.T) {
	covered := map[engine.MessageType]bool{}
	for _, tt := range codecSamples {
		t.Run(tt.name, func(t *testing.T) {
			covered[tt.msg.Type] = true
			b := tt.msg.MarshalAppend(nil)
			got, err := engine.UnmarshalMessage(b)
			require.NoError(t, err)
			assert.Equal(t, tt.msg, got)

			prefixed := tt.msg.MarshalAppend([]byte("frame"))
			assert.Equal(t, append([]byte("frame"), b...), prefixed, "MarshalAppend appends")

			// No allocation into a buffer of exactly the right size: the size computed up
			// front is neither too small (append would grow) nor too large (Grow would).
			buf := make([]byte, 0, len(b))
			allocs := testing.AllocsPerRun(10, func() { buf = tt.msg.MarshalAppend(buf[:0]) })
			assert.Zero(t, allocs)
		})
	}
	for _, typ := range codecMessageTypes() {
		assert.True(t, covered[typ], "no round-trip sample for %s", typ)
	}
}

// codecValidApp is the encoding of a one-entry AppendEntries, for the error tests.
func codecValidApp() []byte {
	m := engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 3, Index: 4, LogTerm: 3, Commit: 4,
		Entries: []engine.Entry{{Index: 5, Term: 3, Command: []byte("put x"), Context: []byte("c")}}}
	return m.MarshalAppend(nil)
}

// codecHeader is a message up to its entry count: version, type, six uvarints, flags, two
// uvarints; 11 bytes with single-byte fields.
func codecHeader(typ engine.MessageType, flags byte) []byte {
	return []byte{1, byte(typ), 1, 2, 3, 4, 3, 4, flags, 0, 0}
}

func codecConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestUnmarshalMessageErrors(t *testing.T) {
	overflow := codecConcat(bytes.Repeat([]byte{0xff}, 9), []byte{2}) // a 65th bit
	hugeCount := binary.AppendUvarint(nil, 4000000000)
	tests := []struct {
		name      string
		input     []byte
		want      string
		truncated bool
	}{
		{name: "empty", input: nil, want: "format version: input ends at offset 0", truncated: true},
		{name: "version 3", input: []byte{3, 5}, want: "unsupported format version 3 at offset 0 (this build reads 1 and 2)"},
		{name: "no type", input: []byte{1}, want: "type: input ends at offset 1", truncated: true},
		{name: "type 0", input: []byte{1, 0}, want: "unknown message type 0 at offset 1"},
		{name: "type past the last", input: []byte{1, byte(len(codecMessageTypes()) + 1)},
			want: fmt.Sprintf("unknown message type %d at offset 1", len(codecMessageTypes())+1)},
		{name: "type 255", input: []byte{1, 255}, want: "unknown message type 255 at offset 1"},
		{name: "uvarint overflow", input: codecConcat([]byte{1, 1}, overflow), want: "from: uvarint overflows 64 bits at offset 2"},
		{name: "unknown flags", input: codecConcat(codecHeader(engine.MsgVoteResp, 0x23), []byte{0}), want: "flags 0x23 have unknown bits set at offset 8"},
		{name: "huge entries count", input: codecConcat(codecHeader(engine.MsgApp, 0), hugeCount, make([]byte, 12)),
			want: "engine: decode message: entries count 4000000000 exceeds remaining 12 bytes at offset 11", truncated: true},
		{name: "count above remaining/4", input: codecConcat(codecHeader(engine.MsgApp, 0), []byte{3}, make([]byte, 11)),
			want: "entries count 3 exceeds remaining 11 bytes at offset 11", truncated: true},
		{name: "command longer than the input", input: codecConcat(codecHeader(engine.MsgApp, 0), []byte{1, 5, 3, 100, 'a', 'b', 'c'}),
			want: "entry 0: command length 100 exceeds remaining 3 bytes at offset 14", truncated: true},
		{name: "second entry cut short", input: codecConcat(codecHeader(engine.MsgApp, 0), []byte{2, 5, 3, 0, 0, 6, 3, 0, 0x80}),
			want: "entry 1: context length: input ends at offset 19", truncated: true},
		{name: "trailing garbage", input: codecConcat(codecValidApp(), []byte{0, 0}), want: fmt.Sprintf("2 trailing bytes at offset %d", len(codecValidApp()))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := engine.UnmarshalMessage(tt.input)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "engine: decode message: "), err.Error())
			assert.Equal(t, tt.truncated, errors.Is(err, engine.ErrTruncatedInput), "errors.Is(err, ErrTruncatedInput)")
			assert.Equal(t, engine.Message{}, m)
		})
	}
}

// TestUnmarshalMessageTruncated cuts a valid message at every length: each prefix must
// fail as truncated input, as a torn write would.
func TestUnmarshalMessageTruncated(t *testing.T) {
	b := codecValidApp()
	for n := range len(b) {
		_, err := engine.UnmarshalMessage(b[:n])
		require.Error(t, err, "prefix of %d bytes", n)
		assert.ErrorIs(t, err, engine.ErrTruncatedInput, "prefix of %d bytes", n)
	}
}

func TestUnmarshalMessageAliasesInput(t *testing.T) {
	b := codecValidApp()
	m, err := engine.UnmarshalMessage(b)
	require.NoError(t, err)
	command := m.Entries[0].Command
	assert.Equal(t, "put x", string(command))
	assert.Equal(t, len(command), cap(command), "capped, so appending cannot overwrite the input")

	_ = append(command, '!')
	assert.Equal(t, "c", string(m.Entries[0].Context), "append to Command reached Context")

	i := bytes.Index(b, []byte("put x"))
	b[i] = 'P' // documented: decoded bytes alias the input
	assert.Equal(t, "Put x", string(command))
}

func TestEntryCodec(t *testing.T) {
	entries := []engine.Entry{
		{Index: 1, Term: 1},
		{Index: 2, Term: 1, Command: []byte("put k v")},
		{Index: 300, Term: 7, Command: bytes.Repeat([]byte("x"), 200), Context: []byte("client 9")},
		{Index: math.MaxUint64, Term: math.MaxUint64, Context: []byte{1}},
	}
	// Entries are decoded one after another from a stream, as the file store reads its log.
	var stream []byte
	for i := range entries {
		stream = engine.AppendEntry(stream, &entries[i])
	}
	stream = append(stream, 0xff) // the start of something else
	rest := stream
	for i, want := range entries {
		got, n, err := engine.DecodeEntry(rest)
		require.NoError(t, err, "entry %d", i)
		assert.Equal(t, want, got, "entry %d", i)
		assert.Equal(t, len(engine.AppendEntry(nil, &want)), n, "entry %d", i)
		rest = rest[n:]
	}
	assert.Equal(t, []byte{0xff}, rest)
}

func TestDecodeEntryErrors(t *testing.T) {
	tests := []struct {
		name      string
		input     []byte
		want      string
		truncated bool
	}{
		{name: "empty", input: nil, want: "engine: decode entry: index: input ends at offset 0", truncated: true},
		{name: "no term", input: []byte{1}, want: "term: input ends at offset 1", truncated: true},
		{name: "term overflows", input: codecConcat([]byte{1}, bytes.Repeat([]byte{0x80}, 9), []byte{2}), want: "term: uvarint overflows 64 bits at offset 1"},
		{name: "no type", input: []byte{1, 1}, want: "entry type: input ends at offset 2", truncated: true},
		{name: "unknown type", input: []byte{1, 1, 2, 0, 0}, want: "unknown entry type 2 at offset 2"},
		{name: "command too long", input: []byte{1, 1, 0, 9, 'a'}, want: "command length 9 exceeds remaining 1 bytes at offset 3", truncated: true},
		{name: "no context length", input: []byte{1, 1, 1, 1, 'a'}, want: "context length: input ends at offset 5", truncated: true},
		{name: "huge context length", input: codecConcat([]byte{1, 1, 0, 0}, binary.AppendUvarint(nil, math.MaxUint64)),
			want: "context length 18446744073709551615 exceeds remaining 0 bytes at offset 4", truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, n, err := engine.DecodeEntry(tt.input)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.truncated, errors.Is(err, engine.ErrTruncatedInput), "errors.Is(err, ErrTruncatedInput)")
			assert.Equal(t, engine.Entry{}, e)
			assert.Zero(t, n)
		})
	}
}

func TestHardStateCodec(t *testing.T) {
	for _, hs := range []engine.HardState{
		{},
		{Term: 1, VotedFor: 2, Commit: 3},
		{Term: math.MaxUint64, VotedFor: math.MaxUint64, Commit: math.MaxUint64},
	} {
		b := engine.AppendHardState([]byte("x"), hs)
		got, n, err := engine.DecodeHardState(b[1:])
		require.NoError(t, err)
		assert.Equal(t, hs, got)
		assert.Equal(t, len(b)-1, n)
	}

	_, _, err := engine.DecodeHardState([]byte{5, 1})
	require.ErrorIs(t, err, engine.ErrTruncatedInput)
	assert.EqualError(t, err, "engine: decode hard state: commit: input ends at offset 2")
	_, _, err = engine.DecodeHardState(codecConcat([]byte{5}, bytes.Repeat([]byte{0xff}, 11)))
	assert.EqualError(t, err, "engine: decode hard state: voted for: uvarint overflows 64 bits at offset 1")
}

func TestConfStateCodec(t *testing.T) {
	for _, cs := range []engine.ConfState{{}, {Voters: []uint64{1, 2, 3}}, {Voters: []uint64{math.MaxUint64}}} {
		b := engine.AppendConfState(nil, cs)
		got, n, err := engine.DecodeConfState(append(b, 9))
		require.NoError(t, err)
		assert.Equal(t, cs, got)
		assert.Equal(t, len(b), n)
	}

	_, _, err := engine.DecodeConfState(codecConcat(binary.AppendUvarint(nil, 1<<40), []byte{1, 2}))
	require.ErrorIs(t, err, engine.ErrTruncatedInput)
	assert.EqualError(t, err, "engine: decode conf state: voters count 1099511627776 exceeds remaining 2 bytes at offset 0")
	_, _, err = engine.DecodeConfState([]byte{3, 1, 2, 0x80})
	assert.EqualError(t, err, "engine: decode conf state: voter: input ends at offset 3")
}

func FuzzUnmarshalMessage(f *testing.F) {
	for _, tt := range codecSamples {
		f.Add(tt.msg.MarshalAppend(nil))
	}
	f.Add([]byte{})
	f.Add(codecConcat(codecHeader(engine.MsgApp, 0), binary.AppendUvarint(nil, 4000000000), make([]byte, 12)))
	f.Add(codecConcat(codecValidApp(), []byte{0}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := engine.UnmarshalMessage(b)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "engine: decode message: "), err.Error())
			return
		}
		enc := m.MarshalAppend(nil)
		growth := 0
		if b[0] == 1 {
			// Format 1 has no entry type byte, and an InstallSnapshot's ConfState lacks
			// the learner, outgoing and context counts: format 2 adds them.
			growth = len(m.Entries)
			if m.Type == engine.MsgSnap || m.Type == engine.MsgSnapResp {
				growth += 3
			}
		}
		require.LessOrEqual(t, len(enc), len(b)+growth, "the canonical encoding is never longer (but for what format 2 adds)")
		again, err := engine.UnmarshalMessage(enc)
		require.NoError(t, err)
		require.Equal(t, m, again)
		require.Equal(t, enc, again.MarshalAppend(nil))
	})
}

func FuzzDecodeEntry(f *testing.F) {
	for _, tt := range codecSamples {
		for i := range tt.msg.Entries {
			f.Add(engine.AppendEntry(nil, &tt.msg.Entries[i]))
		}
	}
	f.Add([]byte{1, 1, 9, 'a'})
	f.Add([]byte{1, 1, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, n, err := engine.DecodeEntry(b)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "engine: decode entry: "), err.Error())
			require.Zero(t, n)
			return
		}
		require.Positive(t, n)
		require.LessOrEqual(t, n, len(b))
		exact, m, err := engine.DecodeEntry(b[:n])
		require.NoError(t, err, "the bytes it consumed decode on their own")
		require.Equal(t, e, exact)
		require.Equal(t, n, m)

		enc := engine.AppendEntry(nil, &e)
		again, m, err := engine.DecodeEntry(enc)
		require.NoError(t, err)
		require.Equal(t, e, again)
		require.Equal(t, len(enc), m)
		require.Equal(t, enc, engine.AppendEntry(nil, &again))
	})
}

func FuzzDecodeHardState(f *testing.F) {
	f.Add(engine.AppendHardState(nil, engine.HardState{Term: 3, VotedFor: 1, Commit: 2}))
	f.Add(engine.AppendHardState(nil, engine.HardState{Term: math.MaxUint64}))
	f.Add([]byte{5, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		hs, n, err := engine.DecodeHardState(b)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "engine: decode hard state: "), err.Error())
			return
		}
		require.LessOrEqual(t, n, len(b))
		enc := engine.AppendHardState(nil, hs)
		again, m, err := engine.DecodeHardState(enc)
		require.NoError(t, err)
		require.Equal(t, hs, again)
		require.Equal(t, len(enc), m)
	})
}

func FuzzDecodeConfState(f *testing.F) {
	f.Add(engine.AppendConfState(nil, engine.ConfState{Voters: []uint64{1, 2, 3}}))
	f.Add(engine.AppendConfState(nil, engine.ConfState{}))
	f.Add(binary.AppendUvarint(nil, 1<<40))
	f.Add(engine.AppendConfState(nil, engine.ConfState{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3},
		Learners: []uint64{5}, Contexts: []engine.MemberContext{{ID: 4, Context: []byte("127.0.0.1:7004")}, {ID: 5}}}))
	f.Add([]byte{3, 1, 2, 3}) // the voters-only form of format 1: a learner count is missing
	f.Add([]byte{1, 1, 0, 0, 200, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, n, err := engine.DecodeConfState(b)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "engine: decode conf state: "), err.Error())
			return
		}
		require.LessOrEqual(t, n, len(b))
		enc := engine.AppendConfState(nil, cs)
		again, m, err := engine.DecodeConfState(enc)
		require.NoError(t, err)
		require.Equal(t, cs, again)
		require.Equal(t, len(enc), m)
	})
}

// codecBenchApp is an AppendEntries with 64 entries of 128-byte commands.
func codecBenchApp() engine.Message {
	m := engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 12, Index: 40960, LogTerm: 12, Commit: 40900}
	command := bytes.Repeat([]byte{'v'}, 128)
	for i := range 64 {
		m.Entries = append(m.Entries, engine.Entry{Index: 40961 + uint64(i), Term: 12, Command: command})
	}
	return m
}

func BenchmarkMarshalAppendEntries(b *testing.B) {
	m := codecBenchApp()
	buf := m.MarshalAppend(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = m.MarshalAppend(buf[:0])
	}
}

func BenchmarkUnmarshalAppendEntries(b *testing.B) {
	m := codecBenchApp()
	buf := m.MarshalAppend(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.UnmarshalMessage(buf); err != nil {
			b.Fatal(err)
		}
	}
}
