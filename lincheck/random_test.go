package lincheck_test

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/lincheck"
)

// randomHistory simulates sequential clients of a kv.Store. Each operation
// takes effect at a random instant inside its interval, in the order of those
// instants, so the history is linearizable by construction. unknownPercent of
// the operations get no answer; half of those take effect (possibly after
// the client gave up) and half never do.
func randomHistory(seed uint64, n, keys, clients, unknownPercent int) []lincheck.Operation {
	rng := rand.New(rand.NewPCG(seed, 0x6c696e636865636b))
	type pending struct {
		index   int // in ops
		cmd     kv.Command
		at      int64 // when it takes effect
		ret     int64
		applies bool
	}
	ops := make([]lincheck.Operation, 0, n)
	events := make([]pending, 0, n)
	free := make([]int64, clients) // when each client may send again
	seqs := make([]uint64, clients)
	value := func() string { return strconv.Itoa(rng.IntN(5)) }
	for i := range n {
		client := rng.IntN(clients)
		seqs[client]++
		c := kv.Command{ClientID: uint64(client) + 1, Seq: seqs[client], Key: "k" + strconv.Itoa(rng.IntN(keys))}
		switch r := rng.IntN(10); {
		case r < 4:
			c.Op = kv.OpGet
		case r < 7:
			c.Op, c.Value = kv.OpPut, value()
		case r < 9:
			c.Op, c.Expected, c.Value = kv.OpCAS, value(), value()
		default:
			c.Op = kv.OpDelete
		}
		call := free[client] + rng.Int64N(3)
		p := pending{index: i, cmd: c, at: call + rng.Int64N(6), applies: true}
		p.ret = p.at + rng.Int64N(6)
		free[client] = p.ret + 1
		ops = append(ops, lincheck.FromCommand(c, call))
		if rng.IntN(100) < unknownPercent {
			p.ret = -1 // never answered
			p.applies = rng.IntN(2) == 0
			p.at = call + rng.Int64N(40)
		}
		if p.applies {
			events = append(events, p)
		}
	}
	slices.SortStableFunc(events, func(a, b pending) int { return cmp.Compare(a.at, b.at) })
	store := kv.New()
	for i, p := range events {
		r := store.ApplyCommand(uint64(i)+1, p.cmd)
		if p.ret >= 0 {
			ops[p.index].Complete(r, p.ret)
		}
	}
	return ops
}

func TestRandomHistoriesAreLinearizable(t *testing.T) {
	for seed := range uint64(20) {
		ops := randomHistory(seed, 300, 3, 4, 5)
		res, err := lincheck.Check(ops, 10*time.Second)
		require.NoError(t, err)
		assert.Equal(t, porcupine.Ok, res.Linearizable, "seed %d: %s", seed, res.Description)
	}
}

func TestCorruptedRandomHistoriesAreNot(t *testing.T) {
	for seed := range uint64(20) {
		ops := randomHistory(seed, 300, 3, 4, 5)
		// Make the last read that found something report a value no
		// operation ever wrote.
		victim := -1
		for j, op := range ops {
			if op.Op == kv.OpGet && op.Outcome == lincheck.OutcomeOK && op.Found {
				victim = j
			}
		}
		require.NotEqual(t, -1, victim, "seed %d has no successful read", seed)
		ops[victim].Result = "never written"
		res, err := lincheck.Check(ops, 10*time.Second)
		require.NoError(t, err)
		assert.Equal(t, porcupine.Illegal, res.Linearizable, "seed %d", seed)
		assert.Equal(t, []string{ops[victim].Key}, res.IllegalKeys, "seed %d", seed)
	}
}

// BenchmarkCheck checks a 2,000-operation history over 10 keys from 5
// clients, 2% of whose operations have unknown outcomes.
func BenchmarkCheck(b *testing.B) {
	ops := randomHistory(1, 2000, 10, 5, 2)
	b.ReportAllocs()
	for b.Loop() {
		res, err := lincheck.Check(ops, 0)
		if err != nil || res.Linearizable != porcupine.Ok {
			b.Fatalf("want Ok, got %v %v", res.Description, err)
		}
	}
}
