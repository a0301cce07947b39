package kv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/raftplay/raftplay/kv"
)

func TestOpString(t *testing.T) {
	tests := []struct {
		op   kv.Op
		want string
	}{
		{kv.OpNone, "NONE"},
		{kv.OpPut, "PUT"},
		{kv.OpGet, "GET"},
		{kv.OpDelete, "DELETE"},
		{kv.OpCAS, "CAS"},
		{kv.Op(9), "Op(9)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.op.String())
	}
}

func TestValidate(t *testing.T) {
	longKey := strings.Repeat("k", kv.MaxKeyLen+1)
	longValue := strings.Repeat("v", kv.MaxValueLen+1)
	tests := []struct {
		name    string
		cmd     kv.Command
		wantErr string // empty: valid
	}{
		{"put", kv.Command{Op: kv.OpPut, Key: "x", Value: "1"}, ""},
		{"put empty value", kv.Command{Op: kv.OpPut, Key: "x"}, ""},
		{"get with session", kv.Command{Op: kv.OpGet, ClientID: 3, Seq: 1, Key: "x"}, ""},
		{"delete", kv.Command{Op: kv.OpDelete, Key: "x"}, ""},
		{"cas", kv.Command{Op: kv.OpCAS, Key: "x", Expected: "1", Value: "2"}, ""},
		{"max key", kv.Command{Op: kv.OpGet, Key: longKey[1:]}, ""},
		{"no op", kv.Command{Key: "x"}, "unknown op 0"},
		{"unknown op", kv.Command{Op: 7, Key: "x"}, "unknown op 7"},
		{"seq 0", kv.Command{Op: kv.OpGet, ClientID: 4, Key: "x"}, "GET from client 4 has seq 0"},
		{"empty key", kv.Command{Op: kv.OpPut, Value: "1"}, "PUT has an empty key"},
		{"long key", kv.Command{Op: kv.OpGet, Key: longKey}, "GET key is 1025 bytes, max 1024"},
		{"long value", kv.Command{Op: kv.OpPut, Key: "x", Value: longValue}, "PUT value is 1048577 bytes, max 1048576"},
		{"long expected", kv.Command{Op: kv.OpCAS, Key: "x", Expected: longValue}, "CAS expected value is 1048577 bytes"},
		{"get with value", kv.Command{Op: kv.OpGet, Key: "x", Value: "1"}, "GET carries a value"},
		{"put with expected", kv.Command{Op: kv.OpPut, Key: "x", Expected: "1"}, "PUT carries an expected value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cmd.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, kv.ErrInvalid)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}
