package e2e

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftplay/raftplay/node/client"
)

// PutLoad describes a write load: Clients goroutines, each sending one PUT at a time
// over its own keep-alive connection, until Ops PUTs were acknowledged in all or
// Duration has passed (whichever is set; both may be).
type PutLoad struct {
	URL       string // the leader's base URL: PUTs go there directly, without redirects
	Clients   int
	Ops       int           // total PUTs; 0 for no limit
	Duration  time.Duration // 0 for no limit
	ValueSize int           // bytes per value; default 128
	Keys      int           // distinct keys written round-robin; default 1024
	Token     string        // cluster token, if any
	// API is the HTTP API the PUTs speak: APIRaftplay (PUT /kv/{key}) by default, or
	// APIEtcd (POST /v3/kv/put, etcd's JSON gateway), to measure etcd the same way.
	API string
	// Acked, when set, counts the PUTs acknowledged so far, for a caller that reports
	// progress while the load runs.
	Acked *atomic.Int64
}

// The APIs a PutLoad can speak.
const (
	APIRaftplay = "raftplay"
	APIEtcd     = "etcd"
)

// PutResult is what a PutLoad measured.
type PutResult struct {
	Clients  int
	Acked    int // PUTs answered 200
	Failed   int // PUTs that failed for good
	Retries  int // requests beyond one per PUT: redirects to the leader, retries during an election
	Elapsed  time.Duration
	PerSec   float64 // Acked / Elapsed
	P50, P99 time.Duration
	Max      time.Duration
	FirstErr error
}

// String is one line: clients, PUT/s, p50, p99.
func (r PutResult) String() string {
	return fmt.Sprintf("clients=%d acked=%d failed=%d retries=%d in %v: %.0f PUT/s, p50 %v, p99 %v, max %v",
		r.Clients, r.Acked, r.Failed, r.Retries, r.Elapsed.Round(time.Millisecond), r.PerSec,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// RunPuts runs the load and measures it; it stops early when ctx is done.
//
// Each client is one keep-alive TCP connection (connTransport) on which requests are
// written and answers read in the calling goroutine: net/http's Transport hands each
// request between goroutines, which on a small machine costs as much CPU as the node
// spends serving it, and the load generator shares the CPU with the nodes it measures.
// The raftplay PUTs go through node/client over that connection, with its redirects
// and retry policy.
func RunPuts(ctx context.Context, load PutLoad) PutResult {
	if load.ValueSize == 0 {
		load.ValueSize = 128
	}
	if load.Keys == 0 {
		load.Keys = 1024
	}
	if load.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, load.Duration)
		defer cancel()
	}
	var (
		next    atomic.Int64
		retries atomic.Int64
		mu      sync.Mutex
		res     = PutResult{Clients: load.Clients}
		all     []time.Duration
		wg      sync.WaitGroup
	)
	start := time.Now()
	for range load.Clients {
		wg.Go(func() {
			lat, failed, err := putClient(ctx, load, &next, &retries)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			res.Failed += failed
			if res.FirstErr == nil {
				res.FirstErr = err
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Acked = len(all)
	res.Retries = int(retries.Load())
	if res.Acked > 0 {
		slices.Sort(all)
		res.PerSec = float64(res.Acked) / res.Elapsed.Seconds()
		res.P50 = all[len(all)/2]
		res.P99 = all[min(len(all)-1, len(all)*99/100)]
		res.Max = all[len(all)-1]
	}
	return res
}

// putClient sends PUTs one at a time until the load is done, and returns each
// acknowledged PUT's latency, the number that failed and the first failure. A PUT's
// latency counts from its first attempt, redirects and retries included.
func putClient(ctx context.Context, load PutLoad, next *atomic.Int64, retries *atomic.Int64) (lat []time.Duration, failed int, firstErr error) {
	tr := &connTransport{}
	defer tr.close()
	put := func(key, value string) error {
		return putEtcd(ctx, tr, load.URL, key, value)
	}
	if load.API != APIEtcd {
		api, err := client.New([]string{load.URL}, client.Options{Token: load.Token, Transport: tr, RetryDelay: 20 * time.Millisecond})
		if err != nil {
			return nil, 1, fmt.Errorf("load URL %q: %w", load.URL, err)
		}
		put = func(key, value string) error {
			_, err := api.Put(ctx, key, value)
			return err
		}
	}
	value := strings.Repeat("v", load.ValueSize)
	for ctx.Err() == nil {
		i := next.Add(1)
		if load.Ops > 0 && i > int64(load.Ops) {
			break
		}
		t0, trips := time.Now(), tr.trips
		err := put(fmt.Sprintf("k%d", i%int64(load.Keys)), value)
		retries.Add(int64(max(tr.trips-trips-1, 0)))
		switch {
		case ctx.Err() != nil:
		case err != nil:
			failed++
			firstErr = cmp.Or(firstErr, err)
			time.Sleep(10 * time.Millisecond)
		default:
			lat = append(lat, time.Since(t0))
			if load.Acked != nil {
				load.Acked.Add(1)
			}
		}
	}
	return lat, failed, firstErr
}

// putEtcd sends one put to etcd's JSON gateway (keys and values in base64): the same
// bytes stored, one request and one answer per PUT.
func putEtcd(ctx context.Context, tr *connTransport, base, key, value string) error {
	b64 := base64.StdEncoding
	body := make([]byte, 0, len(`{"key":"","value":""}`)+b64.EncodedLen(len(key))+b64.EncodedLen(len(value)))
	body = append(body, `{"key":"`...)
	body = b64.AppendEncode(body, []byte(key))
	body = append(body, `","value":"`...)
	body = b64.AppendEncode(body, []byte(value))
	body = append(body, `"}`...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v3/kv/put", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Errorf("put %s: read the answer: %w", key, err)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("put %s answered %d", key, resp.StatusCode)
	}
	return nil
}

// connTransport is an http.RoundTripper over one keep-alive HTTP/1.1 connection,
// redialled when a request is for another host (a redirect to the leader) or the
// connection was closed. It is used by one goroutine at a time, and each answer's body
// must be read and closed before the next request.
type connTransport struct {
	host  string
	conn  net.Conn
	r     *bufio.Reader
	trips int // requests sent
}

// RoundTrip sends req on the connection and reads the answer's header.
func (t *connTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close() // a RoundTripper must close it
	}
	if t.conn == nil || t.host != req.URL.Host {
		t.close()
		var d net.Dialer
		conn, err := d.DialContext(req.Context(), "tcp", req.URL.Host)
		if err != nil {
			return nil, err
		}
		t.host, t.conn, t.r = req.URL.Host, conn, bufio.NewReader(conn)
	}
	t.trips++
	// Unblock the connection when the request's context ends (the load is over).
	// It captures this request's connection: t.conn may be closed and replaced (nil)
	// by the time the context ends.
	conn := t.conn
	stop := context.AfterFunc(req.Context(), func() { _ = conn.SetDeadline(time.Now()) })
	if err := req.Write(t.conn); err != nil {
		stop()
		t.close()
		return nil, err
	}
	resp, err := http.ReadResponse(t.r, req)
	if err != nil {
		stop()
		t.close()
		return nil, err
	}
	body := &connBody{ReadCloser: resp.Body}
	body.done = func() {
		if !stop() || resp.Close || !body.eof {
			t.close() // the deadline fired, the node closes the connection, or bytes are left
		}
	}
	resp.Body = body
	return resp, nil
}

func (t *connTransport) close() {
	if t.conn != nil {
		_ = t.conn.Close()
		t.conn, t.r = nil, nil
	}
}

// connBody calls done once, when the answer's body is closed, and notes whether it was
// read to its end (else the connection cannot carry the next request).
type connBody struct {
	io.ReadCloser
	done func()
	eof  bool
}

func (b *connBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *connBody) Close() error {
	err := b.ReadCloser.Close()
	if b.done != nil {
		b.done()
		b.done = nil
	}
	return err
}
