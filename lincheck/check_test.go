package lincheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/lincheck"
)

// Constructors for completed operations; times are [call, ret].

func put(client uint64, key, value string, call, ret int64) lincheck.Operation {
	return lincheck.Operation{ClientID: client, Op: kv.OpPut, Key: key, Value: value, Call: call, Return: ret, Outcome: lincheck.OutcomeOK}
}

func del(client uint64, key string, call, ret int64) lincheck.Operation {
	return lincheck.Operation{ClientID: client, Op: kv.OpDelete, Key: key, Call: call, Return: ret, Outcome: lincheck.OutcomeOK}
}

func get(client uint64, key, value string, call, ret int64) lincheck.Operation {
	return lincheck.Operation{ClientID: client, Op: kv.OpGet, Key: key, Call: call, Return: ret, Outcome: lincheck.OutcomeOK, Found: true, Result: value}
}

func getMissing(client uint64, key string, call, ret int64) lincheck.Operation {
	return lincheck.Operation{ClientID: client, Op: kv.OpGet, Key: key, Call: call, Return: ret, Outcome: lincheck.OutcomeOK}
}

func cas(client uint64, key, expected, value string, call, ret int64) lincheck.Operation {
	return lincheck.Operation{ClientID: client, Op: kv.OpCAS, Key: key, Expected: expected, Value: value, Call: call, Return: ret, Outcome: lincheck.OutcomeOK}
}

// casFailed is a CAS that did not match; found and current are what the
// store reported.
func casFailed(client uint64, key, expected, value string, found bool, current string, call, ret int64) lincheck.Operation {
	op := cas(client, key, expected, value, call, ret)
	op.Outcome, op.Found, op.Result = lincheck.OutcomeFailed, found, current
	return op
}

// unknown turns op into one whose answer never came. Its Return is set to
// nonsense on purpose: Check must ignore it.
func unknown(op lincheck.Operation) lincheck.Operation {
	op.Outcome, op.Return = lincheck.OutcomeUnknown, -1
	return op
}

func TestCheckLinearizable(t *testing.T) {
	tests := []struct {
		name string
		ops  []lincheck.Operation
	}{
		{"empty history", nil},
		{"sequential", []lincheck.Operation{
			getMissing(1, "x", 0, 1), put(1, "x", "1", 2, 3), get(1, "x", "1", 4, 5),
			cas(1, "x", "1", "2", 6, 7), casFailed(1, "x", "1", "3", true, "2", 8, 9),
			del(1, "x", 10, 11), casFailed(1, "x", "2", "3", false, "", 12, 13), getMissing(1, "x", 14, 15),
		}},
		{"reads overlapping a write see old or new", []lincheck.Operation{
			put(1, "x", "1", 0, 10), getMissing(2, "x", 1, 2), get(3, "x", "1", 3, 4), get(2, "x", "1", 5, 12),
		}},
		{"overlapping writes in either order", []lincheck.Operation{
			put(1, "x", "a", 0, 10), put(2, "x", "b", 2, 8), get(3, "x", "a", 11, 12),
		}},
		{"closed intervals: sharing an instant is concurrent", []lincheck.Operation{
			put(1, "x", "1", 0, 5), getMissing(2, "x", 5, 6),
		}},
		{"concurrent CAS from one value: one wins", []lincheck.Operation{
			put(1, "x", "0", 0, 1), cas(1, "x", "0", "1", 2, 10), casFailed(2, "x", "0", "2", true, "1", 3, 9),
			get(3, "x", "1", 11, 12),
		}},
		{"keys are independent", []lincheck.Operation{
			put(1, "x", "1", 0, 1), put(2, "y", "2", 0, 1), get(1, "y", "2", 2, 3), get(2, "x", "1", 2, 3),
		}},
		{"unknown put that took effect", []lincheck.Operation{
			unknown(put(1, "x", "1", 0, 0)), get(2, "x", "1", 5, 6),
		}},
		{"unknown put that did not take effect", []lincheck.Operation{
			unknown(put(1, "x", "1", 0, 0)), getMissing(2, "x", 5, 6), getMissing(2, "x", 7, 8),
		}},
		{"unknown put that took effect late", []lincheck.Operation{
			unknown(put(1, "x", "1", 0, 0)), getMissing(2, "x", 5, 6), get(2, "x", "1", 7, 8),
		}},
		{"unknown put seen, then overwritten", []lincheck.Operation{
			put(2, "x", "0", 0, 1), unknown(put(1, "x", "1", 2, 0)), get(2, "x", "1", 3, 4),
			put(2, "x", "2", 5, 6), get(2, "x", "2", 7, 8),
		}},
		{"unknown CAS that took effect", []lincheck.Operation{
			put(1, "x", "0", 0, 1), unknown(cas(1, "x", "0", "1", 2, 0)), get(2, "x", "1", 10, 11),
		}},
		{"unknown CAS that did not", []lincheck.Operation{
			put(1, "x", "0", 0, 1), unknown(cas(1, "x", "0", "1", 2, 0)), get(2, "x", "0", 10, 11),
		}},
		{"unknown delete that took effect", []lincheck.Operation{
			put(1, "x", "0", 0, 1), unknown(del(1, "x", 2, 0)), getMissing(2, "x", 10, 11),
		}},
		{"unknown get is ignored, whatever it says", []lincheck.Operation{
			put(1, "x", "0", 0, 1), unknown(get(2, "x", "never written", 2, 0)),
		}},
		{"retry after unknown: second attempt answered", []lincheck.Operation{
			unknown(cas(1, "x", "", "1", 0, 0)), put(2, "x", "", 0, 1),
			casFailed(1, "x", "", "1", true, "1", 5, 6), // the first attempt applied; the retry sees it
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := lincheck.Check(tt.ops, 10*time.Second)
			require.NoError(t, err)
			assert.Equal(t, porcupine.Ok, res.Linearizable, res.Description)
			assert.Empty(t, res.IllegalKeys)
			assert.Contains(t, res.Description, "linearizable: ")
		})
	}
}

func TestCheckNotLinearizable(t *testing.T) {
	tests := []struct {
		name string
		ops  []lincheck.Operation
	}{
		{"stale read after a completed write", []lincheck.Operation{
			put(1, "x", "1", 0, 1), put(1, "x", "2", 2, 3), get(2, "x", "1", 4, 5),
		}},
		{"missing read after a completed write", []lincheck.Operation{
			put(1, "x", "1", 0, 1), getMissing(2, "x", 2, 3),
		}},
		{"read of a value never written", []lincheck.Operation{
			put(1, "x", "1", 0, 1), get(2, "x", "7", 2, 3),
		}},
		{"value read after delete", []lincheck.Operation{
			put(1, "x", "1", 0, 1), del(1, "x", 2, 3), get(2, "x", "1", 4, 5),
		}},
		{"two CAS from one expected value both succeed", []lincheck.Operation{
			put(1, "x", "0", 0, 1), cas(1, "x", "0", "1", 2, 10), cas(2, "x", "0", "2", 3, 9),
		}},
		{"CAS succeeds on a missing key", []lincheck.Operation{
			cas(1, "x", "0", "1", 0, 1),
		}},
		{"CAS fails although it matched", []lincheck.Operation{
			put(1, "x", "1", 0, 1), casFailed(1, "x", "1", "2", true, "1", 2, 3),
		}},
		{"failed CAS reports a wrong current value", []lincheck.Operation{
			put(1, "x", "1", 0, 1), casFailed(1, "x", "0", "2", true, "5", 2, 3),
		}},
		{"failed CAS says missing but key exists", []lincheck.Operation{
			put(1, "x", "1", 0, 1), casFailed(1, "x", "0", "2", false, "", 2, 3),
		}},
		{"reads go back in time", []lincheck.Operation{
			put(1, "x", "1", 0, 10), get(2, "x", "1", 1, 2), getMissing(3, "x", 3, 4),
		}},
		{"unknown write seen, then undone", []lincheck.Operation{
			put(1, "x", "1", 0, 1), unknown(put(2, "x", "2", 2, 0)), get(3, "x", "2", 3, 4), get(3, "x", "1", 5, 6),
		}},
		{"unknown write seen before it was sent", []lincheck.Operation{
			get(3, "x", "2", 0, 1), unknown(put(2, "x", "2", 2, 0)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Another key with a good history must not be blamed.
			ops := append([]lincheck.Operation{put(9, "other", "a", 0, 1), get(9, "other", "a", 2, 3)}, tt.ops...)
			res, err := lincheck.Check(ops, 10*time.Second)
			require.NoError(t, err)
			assert.Equal(t, porcupine.Illegal, res.Linearizable)
			assert.Equal(t, []string{"x"}, res.IllegalKeys)
			assert.Contains(t, res.Description, `not linearizable: key "x"`)
		})
	}
}

// TestUnknownIsNotFailure shows the same history judged two ways: a PUT that
// nobody ever observed is a violation if the client was told it succeeded,
// and fine if the client never heard back.
func TestUnknownIsNotFailure(t *testing.T) {
	history := func(p lincheck.Operation) []lincheck.Operation {
		return []lincheck.Operation{put(1, "x", "old", 0, 1), p, get(3, "x", "old", 20, 21)}
	}
	acked := put(2, "x", "new", 5, 10)

	res, err := lincheck.Check(history(acked), time.Second)
	require.NoError(t, err)
	require.Equal(t, porcupine.Illegal, res.Linearizable, "an acknowledged write must be visible")

	res, err = lincheck.Check(history(unknown(acked)), time.Second)
	require.NoError(t, err)
	assert.Equal(t, porcupine.Ok, res.Linearizable, res.Description)
}

func TestCheckNamesAllIllegalKeys(t *testing.T) {
	ops := []lincheck.Operation{
		put(1, "b", "1", 0, 1), get(1, "b", "2", 2, 3),
		put(1, "ok", "1", 0, 1), get(1, "ok", "1", 2, 3),
		put(2, "a", "1", 0, 1), getMissing(2, "a", 2, 3),
	}
	res, err := lincheck.Check(ops, 10*time.Second)
	require.NoError(t, err)
	assert.Equal(t, porcupine.Illegal, res.Linearizable)
	assert.Equal(t, []string{"a", "b"}, res.IllegalKeys)
	assert.Equal(t, `not linearizable: key "a" (2 operations); 2 keys in all: "a", "b"
  client 2 [0, 1] PUT a "1" -> ok
  client 2 [2, 3] GET a -> not found`, res.Description)
}

func TestCheckDescriptionIsShort(t *testing.T) {
	ops := []lincheck.Operation{get(1, "x", "ghost", 0, 1)}
	for i := range int64(30) {
		ops = append(ops, put(1, "x", "v", 10+2*i, 11+2*i))
	}
	res, err := lincheck.Check(ops, 10*time.Second)
	require.NoError(t, err)
	require.Equal(t, porcupine.Illegal, res.Linearizable)
	assert.Contains(t, res.Description, `client 1 [0, 1] GET x -> "ghost"`)
	assert.Contains(t, res.Description, "\n  ... and 19 more")
}

func TestCheckTimesOut(t *testing.T) {
	// 24 overlapping writes followed by a read of a value none wrote: the
	// search must try every order of the writes before it can say Illegal.
	var ops []lincheck.Operation
	for i := range 24 {
		ops = append(ops, put(uint64(i), "x", string(rune('a'+i)), 0, 100))
	}
	ops = append(ops, get(99, "x", "ghost", 200, 201))
	start := time.Now()
	res, err := lincheck.Check(ops, 20*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, porcupine.Unknown, res.Linearizable)
	assert.Contains(t, res.Description, "unknown: the check ran out of time after 20ms (25 operations on 1 key)")
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestCheckRejectsMalformedOperations(t *testing.T) {
	tests := []struct {
		name    string
		op      lincheck.Operation
		wantErr string
	}{
		{"no op", lincheck.Operation{Key: "x", Outcome: lincheck.OutcomeOK}, "unknown op NONE"},
		{"op out of range", lincheck.Operation{Op: 9, Key: "x", Outcome: lincheck.OutcomeOK}, "unknown op Op(9)"},
		{"outcome not set", lincheck.Operation{Op: kv.OpGet, Key: "x"}, "outcome not set (Outcome(0))"},
		{"put cannot fail", lincheck.Operation{Op: kv.OpPut, Key: "x", Outcome: lincheck.OutcomeFailed}, "PUT cannot fail, only CAS can"},
		{"return before call", get(1, "x", "1", 10, 9), "return 9 before call 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []lincheck.Operation{put(1, "x", "1", 0, 1), tt.op}
			_, err := lincheck.Check(ops, time.Second)
			assert.ErrorContains(t, err, "lincheck: operation 1 (")
			assert.ErrorContains(t, err, tt.wantErr)
			assert.ErrorContains(t, lincheck.Visualize(ops, filepath.Join(t.TempDir(), "v.html")), tt.wantErr)
		})
	}
}

func TestOperationString(t *testing.T) {
	tests := []struct {
		op   lincheck.Operation
		want string
	}{
		{put(1, "x", "1", 0, 2), `client 1 [0, 2] PUT x "1" -> ok`},
		{get(2, "x", "1", 3, 4), `client 2 [3, 4] GET x -> "1"`},
		{getMissing(2, "x", 3, 4), `client 2 [3, 4] GET x -> not found`},
		{del(2, "x", 3, 4), `client 2 [3, 4] DELETE x -> ok`},
		{cas(3, "x", "1", "2", 5, 6), `client 3 [5, 6] CAS x "1" "2" -> ok`},
		{casFailed(3, "x", "1", "2", true, "7", 5, 6), `client 3 [5, 6] CAS x "1" "2" -> failed (current "7")`},
		{casFailed(3, "x", "1", "2", false, "", 5, 6), `client 3 [5, 6] CAS x "1" "2" -> failed (not found)`},
		{unknown(put(4, "x", "1", 7, 0)), `client 4 [7, ?] PUT x "1" -> unknown`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.op.String())
	}
	assert.Equal(t, "Outcome(0)", lincheck.Outcome(0).String())
}

func TestFromCommandAndComplete(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		result kv.Result
		want   lincheck.Operation
	}{
		{"put", "SET x 1", kv.Result{Op: kv.OpPut, OK: true, Found: true, Value: "0"}, put(7, "x", "1", 10, 20)},
		{"get found", "GET x", kv.Result{Op: kv.OpGet, OK: true, Found: true, Value: "3"}, get(7, "x", "3", 10, 20)},
		{"get missing", "GET x", kv.Result{Op: kv.OpGet}, getMissing(7, "x", 10, 20)},
		{"delete", "DEL x", kv.Result{Op: kv.OpDelete, OK: true}, del(7, "x", 10, 20)},
		{"cas ok", "CAS x 1 2", kv.Result{Op: kv.OpCAS, OK: true, Found: true, Value: "1"}, cas(7, "x", "1", "2", 10, 20)},
		{"cas failed", "CAS x 1 2", kv.Result{Op: kv.OpCAS, Found: true, Value: "5"}, casFailed(7, "x", "1", "2", true, "5", 10, 20)},
		{"error stays unknown", "SET x 1", kv.Result{Op: kv.OpPut, Err: kv.ErrStale}, unknown(put(7, "x", "1", 10, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := kv.ParseText(tt.text)
			require.NoError(t, err)
			c.ClientID, c.Seq = 7, 1
			op := lincheck.FromCommand(c, 10)
			require.Equal(t, lincheck.OutcomeUnknown, op.Outcome)
			op.Complete(tt.result, 20)
			if tt.want.Outcome == lincheck.OutcomeUnknown {
				tt.want.Return = 0
			}
			assert.Equal(t, tt.want, op)
		})
	}
}

func TestVisualize(t *testing.T) {
	ops := []lincheck.Operation{
		put(1, "x", "1", 0, 1), put(1, "x", "2", 2, 3), get(2, "x", "1", 4, 5),
		unknown(cas(3, "y", "", "1", 0, 0)), getMissing(2, "y", 1, 2),
	}
	path := filepath.Join(t.TempDir(), "history.html")
	require.NoError(t, lincheck.Visualize(ops, path))
	html, err := os.ReadFile(path)
	require.NoError(t, err)
	// The page embeds the history as JSON, with our descriptions of each
	// operation (JSON escapes '>' as \u003e).
	assert.True(t, strings.HasPrefix(string(html), "<!doctype html>"))
	assert.True(t, strings.Contains(string(html), `"Description":"GET y -\u003e not found"`), "history missing from the page")

	err = lincheck.Visualize(ops, filepath.Join(t.TempDir(), "missing-dir", "history.html"))
	assert.ErrorContains(t, err, "lincheck: write visualization to ")
}

func TestUnknownBoundedByEffectBy(t *testing.T) {
	put := func(value string, call, effectBy int64) lincheck.Operation {
		return lincheck.Operation{ClientID: 1, Op: kv.OpPut, Key: "x", Value: value, Call: call, Outcome: lincheck.OutcomeUnknown, EffectBy: effectBy}
	}
	get := func(client uint64, value string, call, ret int64) lincheck.Operation {
		return lincheck.Operation{ClientID: client, Op: kv.OpGet, Key: "x", Call: call, Return: ret, Outcome: lincheck.OutcomeOK, Found: value != "", Result: value}
	}
	for _, tc := range []struct {
		name string
		ops  []lincheck.Operation
		want porcupine.CheckResult
	}{
		{"took effect inside its window", []lincheck.Operation{put("a", 0, 10), get(2, "a", 11, 12)}, porcupine.Ok},
		{"never took effect", []lincheck.Operation{put("a", 0, 10), get(2, "", 11, 12)}, porcupine.Ok},
		{"seen before then not", []lincheck.Operation{put("a", 0, 10), get(2, "a", 3, 4), get(2, "", 11, 12)}, porcupine.Illegal},
		{"effect after its bound", []lincheck.Operation{put("a", 0, 10), get(2, "", 11, 12), get(2, "a", 13, 14)}, porcupine.Illegal},
		{"unbounded may take effect late", []lincheck.Operation{put("a", 0, 0), get(2, "", 11, 12), get(2, "a", 13, 14)}, porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := lincheck.Check(tc.ops, 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Linearizable, res.Description)
		})
	}
	_, err := lincheck.Check([]lincheck.Operation{put("a", 10, 5)}, time.Second)
	assert.ErrorContains(t, err, "EffectBy 5 is before Call 10")
}
