package node

import (
	"net"
	"sync"
)

// cappedListener accepts at most limit connections at a time. A connection beyond the
// limit is closed as soon as it is accepted (and refused is told), rather than left
// waiting in the kernel's backlog: the client learns at once that the node is full.
type cappedListener struct {
	net.Listener
	slots   chan struct{}
	refused func(remote net.Addr)
}

func newCappedListener(ln net.Listener, limit int, refused func(net.Addr)) net.Listener {
	return &cappedListener{Listener: ln, slots: make(chan struct{}, limit), refused: refused}
}

// Accept returns the next connection that fits under the limit.
func (l *cappedListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &cappedConn{Conn: conn, release: func() { <-l.slots }}, nil
		default:
			_ = conn.Close()
			l.refused(conn.RemoteAddr())
		}
	}
}

// cappedConn gives its slot back when it is first closed.
type cappedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
