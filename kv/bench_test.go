package kv_test

import (
	"strconv"
	"testing"

	"github.com/raftplay/raftplay/kv"
)

var benchCommand = kv.Command{Op: kv.OpCAS, ClientID: 12345, Seq: 678, Key: "user:42", Expected: "old value", Value: "a new value of moderate length"}

func BenchmarkEncode(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = benchCommand.AppendBinary(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecode(b *testing.B) {
	data := benchCommand.Marshal()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kv.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApply applies encoded PUT/GET/CAS entries over 64 keys from 8
// clients, each with its own growing sequence numbers.
func BenchmarkApply(b *testing.B) {
	const clients = 8
	var entries [][]byte
	seqs := make([]uint64, clients)
	for i := range 1 << 14 {
		client := i % clients
		seqs[client]++
		c := kv.Command{ClientID: uint64(client) + 1, Seq: seqs[client], Key: "key" + strconv.Itoa(i%64)}
		switch i % 3 {
		case 0:
			c.Op, c.Value = kv.OpPut, strconv.Itoa(i)
		case 1:
			c.Op = kv.OpGet
		case 2:
			c.Op, c.Expected, c.Value = kv.OpCAS, strconv.Itoa(i-2), strconv.Itoa(i)
		}
		entries = append(entries, c.Marshal())
	}
	s := kv.New()
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		if next == len(entries) {
			b.StopTimer()
			s, next = kv.New(), 0
			b.StartTimer()
		}
		if r := s.Apply(uint64(next+1), entries[next]); r.Err != nil {
			b.Fatal(r.Err)
		}
		next++
	}
}
