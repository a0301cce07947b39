package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/raftplay/raftplay/live"
)

// livePage is what a live page open on the cluster costs the nodes: raftplay's live
// server (in this process, as `raftplay serve --live` would run it) following every
// node's /events?messages=1, and one page's /api/live/stream read as fast as it comes.
type livePage struct {
	stop func()
	read chan int64 // the bytes of the stream read, once it ended
}

// openLivePage starts the live server for the nodes at urls and one stream reader.
func openLivePage(urls []string) (*livePage, error) {
	s, err := live.New(live.Options{Nodes: urls})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.Register(mux)
	srv := &http.Server{Handler: mux}
	ctx, cancel := context.WithCancel(context.Background())
	liveDone := make(chan error, 1)
	go func() { liveDone <- s.Run(ctx) }()
	go func() { _ = srv.Serve(ln) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ln.Addr().String()+"/api/live/stream", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("the live stream answered %d", resp.StatusCode)
	}
	p := &livePage{read: make(chan int64, 1)}
	go func() {
		n, _ := io.Copy(io.Discard, resp.Body)
		p.read <- n
	}()
	p.stop = func() {
		cancel()
		<-liveDone
		resp.Body.Close()
		_ = srv.Close()
	}
	return p, nil
}

// close stops the page and the live server; it returns the bytes the page read.
func (p *livePage) close() int64 {
	p.stop()
	return <-p.read
}
