package kv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/kv"
)

// sampleCommands are valid commands covering every op and field.
var sampleCommands = []kv.Command{
	{Op: kv.OpPut, Key: "x", Value: "3"},
	{Op: kv.OpPut, ClientID: 7, Seq: 2, Key: "x", Value: ""},
	{Op: kv.OpGet, ClientID: 1 << 63, Seq: 1<<64 - 1, Key: "a key with spaces"},
	{Op: kv.OpDelete, ClientID: 300, Seq: 300, Key: "ключ"},
	{Op: kv.OpCAS, ClientID: 1, Seq: 9, Key: "x", Expected: "3", Value: "4"},
	{Op: kv.OpCAS, Key: "x", Expected: "", Value: ""},
	{Op: kv.OpPut, Key: strings.Repeat("k", kv.MaxKeyLen), Value: strings.Repeat("v", kv.MaxValueLen)},
}

func TestEncodingRoundTrip(t *testing.T) {
	for _, c := range sampleCommands {
		t.Run(c.Op.String(), func(t *testing.T) {
			require.NoError(t, c.Validate())
			b := c.Marshal()
			assert.Equal(t, len(b), cap(b), "Marshal sizes its buffer exactly")
			got, err := kv.Decode(b)
			require.NoError(t, err)
			assert.Equal(t, c, got)
			assert.Equal(t, b, c.AppendBinary(nil))
			prefixed := c.AppendBinary([]byte("prefix"))
			assert.Equal(t, append([]byte("prefix"), b...), prefixed)
		})
	}
}

func TestEncodingLayout(t *testing.T) {
	c := kv.Command{Op: kv.OpPut, ClientID: 7, Seq: 2, Key: "x", Value: "3"}
	assert.Equal(t, []byte{0x11, 7, 2, 1, 'x', 1, '3'}, c.Marshal())
	cas := kv.Command{Op: kv.OpCAS, Key: "k", Expected: "a", Value: "bc"}
	assert.Equal(t, []byte{0x14, 0, 0, 1, 'k', 1, 'a', 2, 'b', 'c'}, cas.Marshal())
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		wantErr string
	}{
		{"empty", nil, "empty input"},
		{"version 0", []byte{0x01, 0, 0, 1, 'x', 0}, "unsupported encoding version 0 (want 1)"},
		{"version 3", []byte{0x31, 0, 0, 1, 'x', 0}, "unsupported encoding version 3 (want 1)"},
		{"op 0", []byte{0x10, 0, 0, 1, 'x'}, "unknown op 0"},
		{"op 9", []byte{0x19, 0, 0, 1, 'x'}, "unknown op 9"},
		{"no client id", []byte{0x12}, "client id: truncated or overlong uvarint at byte 1"},
		{"truncated seq", []byte{0x12, 5, 0x80}, "seq: truncated or overlong uvarint at byte 2"},
		{"overlong uvarint", []byte{0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "client id: truncated or overlong"},
		{"seq 0 with client", []byte{0x12, 5, 0, 1, 'x'}, "GET from client 5 has seq 0"},
		{"no key", []byte{0x12, 0, 0}, "key length: truncated"},
		{"empty key", []byte{0x12, 0, 0, 0}, "GET has an empty key"},
		{"key beyond input", []byte{0x12, 0, 0, 9, 'x'}, "key length 9 exceeds remaining 1 bytes"},
		{"huge key length", []byte{0x12, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, "key length 4294967295 exceeds remaining 0 bytes"},
		{"key over max", append([]byte{0x12, 0, 0, 0x81, 0x08}, make([]byte, 1025)...), "key length 1025 exceeds max 1024"},
		{"value beyond input", []byte{0x11, 0, 0, 1, 'x', 0xe7, 0x07, 'a', 'b', 'c'}, "kv: decode command: value length 999 exceeds remaining 3 bytes"},
		{"missing value", []byte{0x11, 0, 0, 1, 'x'}, "value length: truncated"},
		{"missing cas value", []byte{0x14, 0, 0, 1, 'x', 1, 'a'}, "value length: truncated"},
		{"expected beyond input", []byte{0x14, 0, 0, 1, 'x', 5, 'a'}, "expected value length 5 exceeds remaining 1 bytes"},
		{"trailing bytes", []byte{0x13, 0, 0, 1, 'x', 'y', 'z'}, "2 trailing bytes after DELETE command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := kv.Decode(tt.input)
			assert.ErrorIs(t, err, kv.ErrDecode)
			assert.ErrorContains(t, err, tt.wantErr)
			assert.Equal(t, kv.Command{}, c)
		})
	}
}

func TestMarshalOutOfRangeOpDoesNotAlias(t *testing.T) {
	b := kv.Command{Op: kv.Op(0x11), Key: "x"}.Marshal()
	_, err := kv.Decode(b)
	assert.ErrorContains(t, err, "unknown op 0")
}

func TestDecodeValueOverMax(t *testing.T) {
	b := kv.Command{Op: kv.OpPut, Key: "x", Value: strings.Repeat("v", kv.MaxValueLen+1)}.Marshal()
	_, err := kv.Decode(b)
	assert.ErrorIs(t, err, kv.ErrDecode)
	assert.ErrorContains(t, err, "value length 1048577 exceeds max 1048576")
}

func TestDecodeDoesNotAliasInput(t *testing.T) {
	b := kv.Command{Op: kv.OpPut, Key: "x", Value: "old"}.Marshal()
	c, err := kv.Decode(b)
	require.NoError(t, err)
	copy(b[len(b)-3:], "new")
	assert.Equal(t, "old", c.Value)
}

func FuzzDecode(f *testing.F) {
	for _, c := range sampleCommands[:6] {
		f.Add(c.Marshal())
	}
	f.Add([]byte{})
	f.Add([]byte{0x11, 0, 0, 1, 'x', 0xe7, 0x07, 'a'})
	f.Add([]byte{0x14, 0x80, 0x80, 0x01, 1, 1, 'x', 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := kv.Decode(b)
		if err != nil {
			require.ErrorIs(t, err, kv.ErrDecode)
			return
		}
		require.NoError(t, c.Validate(), "Decode returned an invalid command")
		again, err := kv.Decode(c.Marshal())
		require.NoError(t, err)
		require.Equal(t, c, again)
	})
}
