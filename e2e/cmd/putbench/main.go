// Command putbench measures acknowledged PUTs per second, and their latency, against
// three local `raftplay node` processes with fsync on: the numbers the README reports.
//
//	go run ./e2e/cmd/putbench                       # 1 and 64 clients, 5 s each
//	go run ./e2e/cmd/putbench -clients 1,8,64,256 -duration 10s
//	go run ./e2e/cmd/putbench -cpuprofile prof      # the nodes' CPU profiles, for pprof
//
// It builds cmd/raftplay (or runs -bin), starts the nodes in a temporary directory
// (or -dir, which must be on the disk to measure), waits for a leader, and runs each
// load against the leader in turn, then prints one row per load.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/raftplay/raftplay/e2e"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "putbench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		clientsFlag = flag.String("clients", "1,64", "comma-separated numbers of concurrent clients, one load each")
		duration    = flag.Duration("duration", 5*time.Second, "length of each load")
		warmup      = flag.Duration("warmup", time.Second, "load with the most clients before measuring")
		valueSize   = flag.Int("value-size", 128, "bytes per value")
		bin         = flag.String("bin", "", "raftplay binary (default: build cmd/raftplay)")
		dir         = flag.String("dir", "", "directory for the nodes' data and logs (default: a new temporary one, removed afterwards)")
		cpuProfile  = flag.String("cpuprofile", "", "directory to write each node's CPU profile to (nodeN.pprof)")
		noFsync     = flag.Bool("unsafe-no-fsync", false, "run the nodes without fsync, to see what fsync costs")
		tick        = flag.Duration("tick", 0, "the nodes' --tick (default: theirs)")
	)
	flag.Parse()
	var loads []int
	for field := range strings.SplitSeq(*clientsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("-clients: %q is not a positive number", field)
		}
		loads = append(loads, n)
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "putbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	if *bin == "" {
		built, err := e2e.Build(*dir)
		if err != nil {
			return err
		}
		*bin = built
	}
	var nodeArgs []string
	if *noFsync {
		nodeArgs = append(nodeArgs, "--unsafe-no-fsync")
	}
	if *tick > 0 {
		nodeArgs = append(nodeArgs, "--tick", tick.String())
	}
	opts := e2e.Options{Bin: *bin, Dir: *dir, NodeArgs: nodeArgs}
	if *cpuProfile != "" {
		abs, err := filepath.Abs(*cpuProfile)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
		opts.NodeArgsOf = func(id uint64) []string {
			return []string{"--cpuprofile", filepath.Join(abs, fmt.Sprintf("node%d.pprof", id))}
		}
	}
	c, err := e2e.NewCluster(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	lead, err := c.WaitLeader(ctx)
	cancel()
	if err != nil {
		return err
	}
	url := c.Node(lead).URL()
	var startTerm uint64
	if st, err := c.Status(context.Background(), lead); err == nil {
		startTerm = st.Term
	}
	fmt.Fprintf(os.Stderr, "putbench: 3 nodes, fsync %s, leader node %d; data in %s\n", onOff(!*noFsync), lead, *dir)
	if *warmup > 0 {
		e2e.RunPuts(context.Background(), e2e.PutLoad{URL: url, Clients: maxOf(loads), Duration: *warmup, ValueSize: *valueSize})
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "clients\tPUT/s\tp50\tp99\tmax\tacked\tretried\tfailed\t")
	var failures []error
	for _, clients := range loads {
		res := e2e.RunPuts(context.Background(), e2e.PutLoad{URL: url, Clients: clients, Duration: *duration, ValueSize: *valueSize})
		fmt.Fprintf(tw, "%d\t%.0f\t%v\t%v\t%v\t%d\t%d\t%d\t\n", clients, res.PerSec, ms(res.P50), ms(res.P99), ms(res.Max), res.Acked, res.Retries, res.Failed)
		if res.Failed > 0 {
			failures = append(failures, fmt.Errorf("%d clients: %d PUTs failed; the first: %v", clients, res.Failed, res.FirstErr))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if st, err := c.Status(context.Background(), lead); err == nil && (st.Term != startTerm || st.State != "leader") {
		fmt.Fprintf(os.Stderr, "putbench: the leadership changed during the run (term %d, then %d): elections under load; retried PUTs followed the new leader\n", startTerm, st.Term)
	}
	if err := c.StopAll(10 * time.Second); err != nil {
		failures = append(failures, err)
	}
	if *cpuProfile != "" {
		fmt.Fprintf(os.Stderr, "putbench: CPU profiles in %s (go tool pprof -top %s %s)\n", *cpuProfile, *bin, filepath.Join(*cpuProfile, fmt.Sprintf("node%d.pprof", lead)))
	}
	return errors.Join(failures...)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
