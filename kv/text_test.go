package kv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/kv"
)

func TestParseText(t *testing.T) {
	tests := []struct {
		input    string
		want     kv.Command
		wantText string
	}{
		{"SET x 3", kv.Command{Op: kv.OpPut, Key: "x", Value: "3"}, "SET x 3"},
		{"put x 3", kv.Command{Op: kv.OpPut, Key: "x", Value: "3"}, "SET x 3"},
		{"  Set\tcolour   blue \n", kv.Command{Op: kv.OpPut, Key: "colour", Value: "blue"}, "SET colour blue"},
		{"GET x", kv.Command{Op: kv.OpGet, Key: "x"}, "GET x"},
		{"get x", kv.Command{Op: kv.OpGet, Key: "x"}, "GET x"},
		{"DEL x", kv.Command{Op: kv.OpDelete, Key: "x"}, "DEL x"},
		{"delete x", kv.Command{Op: kv.OpDelete, Key: "x"}, "DEL x"},
		{"CAS x 3 4", kv.Command{Op: kv.OpCAS, Key: "x", Expected: "3", Value: "4"}, "CAS x 3 4"},
		{"cas ключ \"a\" b", kv.Command{Op: kv.OpCAS, Key: "ключ", Expected: `"a"`, Value: "b"}, "CAS ключ \"a\" b"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			got, err := kv.ParseText(tt.input)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantText, got.Text())
			again, err := kv.ParseText(got.Text())
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	tests := []struct {
		input   string
		wantErr string
	}{
		{"", "kv: empty command (want SET, GET, DEL or CAS)"},
		{"   \t", "kv: empty command"},
		{"FOO x", `kv: unknown command "FOO" in "FOO x" (want SET, GET, DEL or CAS)`},
		{"CAS x 3", `kv: "CAS x 3" needs 3 arguments (key, expected, new), got 2`},
		{"SET x", `kv: "SET x" needs 2 arguments (key, value), got 1`},
		{"GET", `kv: "GET" needs 1 argument (key), got 0`},
		{"DEL x y", `kv: "DEL x y" needs 1 argument (key), got 2`},
		{"GET " + strings.Repeat("k", 2000), `GET key is 2000 bytes, max 1024 (in "GET kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"... (2004 bytes))`},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			c, err := kv.ParseText(tt.input)
			assert.ErrorContains(t, err, tt.wantErr)
			assert.Equal(t, kv.Command{}, c)
		})
	}
}

func TestTextOfUnparseableFields(t *testing.T) {
	tests := []struct {
		cmd  kv.Command
		want string
	}{
		{kv.Command{Op: kv.OpPut, Key: "x", Value: ""}, `SET x ""`},
		{kv.Command{Op: kv.OpPut, Key: "a b", Value: "c\nd"}, `SET "a b" "c\nd"`},
		{kv.Command{Op: kv.Op(9), Key: "x"}, "Op(9) x"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.cmd.Text())
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{"SET x 3", "get x", "DEL x", "CAS x 3 4", "cas", "FOO", "", "SET \xff \u00a0 y", "set x\u2028y z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := kv.ParseText(s)
		if err != nil {
			require.Equal(t, kv.Command{}, c)
			return
		}
		require.NoError(t, c.Validate())
		again, err := kv.ParseText(c.Text())
		require.NoError(t, err, "Text() = %q", c.Text())
		require.Equal(t, c, again)
	})
}
