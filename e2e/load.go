package e2e

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	Retries  int // attempts after a redirect to a new leader or a 503 during an election
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
// Each client is one keep-alive TCP connection that writes its requests directly and
// reads the answers with http.ReadResponse: net/http's Transport hands each request
// between goroutines, which on a small machine costs as much CPU as the node spends
// serving it, and the load generator shares the CPU with the nodes it measures.
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
// acknowledged PUT's latency, the number that failed and the first failure. A PUT
// answered 307 (the leader changed) follows the redirect, and one answered 503 (an
// election) is retried: its latency counts from the first attempt.
func putClient(ctx context.Context, load PutLoad, next *atomic.Int64, retries *atomic.Int64) (lat []time.Duration, failed int, firstErr error) {
	u, err := url.Parse(load.URL)
	if err != nil {
		return nil, 1, fmt.Errorf("load URL %q: %w", load.URL, err)
	}
	c := &putClientConn{host: u.Host, token: load.Token, etcd: load.API == APIEtcd}
	defer c.close()
	value := strings.Repeat("v", load.ValueSize)
	for ctx.Err() == nil {
		i := next.Add(1)
		if load.Ops > 0 && i > int64(load.Ops) {
			break
		}
		t0 := time.Now()
		err := c.putRetrying(ctx, fmt.Sprintf("k%d", i%int64(load.Keys)), value, retries)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			failed++
			firstErr = cmp.Or(firstErr, err)
			time.Sleep(10 * time.Millisecond)
		default:
			lat = append(lat, time.Since(t0))
		}
	}
	return lat, failed, firstErr
}

// putClientConn is a client's connection to the node it believes leads.
type putClientConn struct {
	host, token string
	etcd        bool // speak etcd's JSON gateway
	conn        *putConn
}

func (c *putClientConn) close() {
	if c.conn != nil {
		c.conn.close()
		c.conn = nil
	}
}

// maxPutAttempts bounds the redirects and retries of one PUT.
const maxPutAttempts = 100

// putRetrying sends one PUT until it is acknowledged, following redirects to a new
// leader and retrying while there is none.
func (c *putClientConn) putRetrying(ctx context.Context, key, value string, retries *atomic.Int64) error {
	var err error
	for attempt := 0; attempt < maxPutAttempts && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			retries.Add(1)
		}
		if c.conn == nil {
			if c.conn, err = dialPut(ctx, c.host); err != nil {
				return err
			}
		}
		var ans putAnswer
		if c.etcd {
			ans, err = c.conn.putEtcd(c.host, key, value)
		} else {
			ans, err = c.conn.put(c.host, c.token, key, value)
		}
		if !ans.reuse {
			c.close()
		}
		switch {
		case err != nil:
			return err
		case ans.status == http.StatusOK:
			return nil
		case ans.status == http.StatusTemporaryRedirect && ans.location != nil:
			c.close()
			c.host = ans.location.Host
		case ans.status == http.StatusServiceUnavailable:
			time.Sleep(20 * time.Millisecond)
		default:
			return fmt.Errorf("PUT %s answered %d", key, ans.status)
		}
	}
	return fmt.Errorf("PUT %s: no leader took it after %d attempts; last: %v", key, maxPutAttempts, err)
}

// putConn is one keep-alive HTTP/1.1 connection to a node.
type putConn struct {
	conn net.Conn
	r    *bufio.Reader
	buf  []byte
	stop func() bool // stops the deadline set when the load ends
}

func dialPut(ctx context.Context, host string) (*putConn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) }) // unblock at the end
	return &putConn{conn: conn, r: bufio.NewReader(conn), stop: stop}, nil
}

func (c *putConn) close() {
	c.stop()
	_ = c.conn.Close()
}

// putAnswer is what a node answered to a PUT.
type putAnswer struct {
	status   int
	location *url.URL // of a redirect
	reuse    bool     // the connection can carry the next request
}

// put sends one PUT and reads its answer.
func (c *putConn) put(host, token, key, value string) (putAnswer, error) {
	c.buf = fmt.Appendf(c.buf[:0], "PUT /kv/%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", key, host, len(value))
	if token != "" {
		c.buf = fmt.Appendf(c.buf, "Authorization: Bearer %s\r\n", token)
	}
	c.buf = append(append(c.buf, "\r\n"...), value...)
	return c.roundTrip(key)
}

// putEtcd sends one put to etcd's JSON gateway (keys and values in base64) and reads
// its answer: the same bytes stored, one request and one answer per PUT.
func (c *putConn) putEtcd(host, key, value string) (putAnswer, error) {
	b64 := base64.StdEncoding
	body := len(`{"key":"","value":""}`) + b64.EncodedLen(len(key)) + b64.EncodedLen(len(value))
	c.buf = fmt.Appendf(c.buf[:0], "POST /v3/kv/put HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", host, body)
	c.buf = append(c.buf, `{"key":"`...)
	c.buf = b64.AppendEncode(c.buf, []byte(key))
	c.buf = append(c.buf, `","value":"`...)
	c.buf = b64.AppendEncode(c.buf, []byte(value))
	c.buf = append(c.buf, `"}`...)
	return c.roundTrip(key)
}

// roundTrip writes the request in c.buf and reads the answer.
func (c *putConn) roundTrip(key string) (putAnswer, error) {
	if _, err := c.conn.Write(c.buf); err != nil {
		return putAnswer{}, fmt.Errorf("PUT %s: %w", key, err)
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return putAnswer{}, fmt.Errorf("PUT %s: read the answer: %w", key, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return putAnswer{}, fmt.Errorf("PUT %s: read the answer: %w", key, err)
	}
	ans := putAnswer{status: resp.StatusCode, reuse: !resp.Close}
	if ans.status == http.StatusTemporaryRedirect {
		ans.location, _ = resp.Location() // nil if absent or malformed: an error then
	}
	return ans, nil
}
