package node

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// BenchmarkClusterPut measures acknowledged writes through the HTTP API of a three-node
// cluster in this process (memstore, loopback TCP). With -cpu or more parallel clients
// the Ready loop batches proposals, so writes per fsync grow.
func BenchmarkClusterPut(b *testing.B) { benchClusterPut(b, false) }

// BenchmarkClusterPutWatched is BenchmarkClusterPut with a live page's streams open:
// every node's /events?messages=1 read as fast as it comes, as the live server does.
// Its throughput against BenchmarkClusterPut's is the cost of watching.
func BenchmarkClusterPutWatched(b *testing.B) { benchClusterPut(b, true) }

func benchClusterPut(b *testing.B, watched bool) {
	c := newTestCluster(b, nil)
	lead := c.leader()
	if watched {
		for _, id := range c.ids {
			watchEvents(b, c, id)
		}
	}
	url := c.url(lead, "/kv/")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	defer client.CloseIdleConnections()
	value := strings.Repeat("v", 128)
	var next atomic.Uint64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequest(http.MethodPut, fmt.Sprintf("%sk%d", url, next.Add(1)%1024), strings.NewReader(value))
			if err != nil {
				b.Error(err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("PUT answered %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkTransportSend measures the Ready loop's side of sending: encoding a frame
// into a pooled buffer and queueing it (here the queue is drained by hand).
func BenchmarkTransportSend(b *testing.B) {
	n, err := New(Config{
		ID:    1,
		Peers: map[uint64]string{1: "127.0.0.1:1", 2: "127.0.0.1:2", 3: "127.0.0.1:3"}, HTTPAddr: "127.0.0.1:0",
		Store: memstore.New(engine.ConfState{Voters: []uint64{1, 2, 3}}),
	})
	if err != nil {
		b.Fatal(err)
	}
	m := sampleMessages()[2]
	m.From, m.To = 1, 2
	s := n.trans.peers().senders[2]
	b.ReportAllocs()
	for b.Loop() {
		n.trans.send(&m)
		bp := <-s.queue
		s.queuedBytes.Add(-int64(len(*bp)))
		n.trans.release(bp)
	}
}

// watchEvents reads node id's /events?messages=1 until the benchmark ends.
func watchEvents(b *testing.B, c *testCluster, id uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(id, "/events?messages=1"), nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("/events answered %d", resp.StatusCode)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, resp.Body)
	}()
	b.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
}
