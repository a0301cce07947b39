// Command putbench measures acknowledged PUTs per second, and their latency, against
// three local `raftplay node` processes with fsync on: the numbers the README reports.
// When an etcd binary is found (Debian's etcd-server, etcd 3.4), it starts three etcd
// members on loopback beside them and runs the very same closed-loop load against
// etcd's HTTP/JSON gateway (POST /v3/kv/put), interleaved with raftplay's, and prints
// the ratio against the targets (>= 1.0x etcd's PUT/s with 1 client, >= 1.5x with 64).
//
//	go run ./e2e/cmd/putbench                       # 1 and 64 clients, 5 s each
//	go run ./e2e/cmd/putbench -clients 1,8,64,256 -duration 10s
//	go run ./e2e/cmd/putbench -etcd none            # raftplay only
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
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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
		etcdBin     = flag.String("etcd", "", `etcd binary to compare with (default: "etcd" on the PATH, if any); "none" to skip`)
		rounds      = flag.Int("rounds", 1, "how many times to run each load on each system, interleaved")
		withLive    = flag.Bool("live", false, "also run each load with a live page open (raftplay's live server and one stream), interleaved, and print the ratio")
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
	if *rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1, got %d", *rounds)
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
	etcd, etcdURL, err := startEtcd(*etcdBin, *dir)
	if err != nil {
		return err
	}
	if etcd != nil {
		defer etcd.Close()
	}
	type system struct {
		name string
		load e2e.PutLoad
		live bool // with a live page open
	}
	systems := []system{{name: "raftplay", load: e2e.PutLoad{URL: url, ValueSize: *valueSize}}}
	if *withLive {
		systems = append(systems, system{name: "raftplay+live", load: systems[0].load, live: true})
	}
	if etcd != nil {
		systems = append(systems, system{name: "etcd", load: e2e.PutLoad{URL: etcdURL, ValueSize: *valueSize, API: e2e.APIEtcd}})
	}
	if *warmup > 0 {
		for _, sys := range systems {
			l := sys.load
			l.Clients, l.Duration = maxOf(loads), *warmup
			e2e.RunPuts(context.Background(), l)
		}
	}
	fmt.Println(machineNote())
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tclients\tround\tPUT/s\tp50\tp99\tmax\tacked\tretried\tfailed\t")
	var failures []error
	perSec := map[string]map[int][]float64{}
	for round := 1; round <= *rounds; round++ {
		for _, clients := range loads {
			for _, sys := range systems {
				l := sys.load
				l.Clients, l.Duration = clients, *duration
				var page *livePage
				if sys.live {
					if page, err = openLivePage(c.URLs()); err != nil {
						return fmt.Errorf("open a live page: %w", err)
					}
				}
				res := e2e.RunPuts(context.Background(), l)
				if page != nil && page.close() == 0 {
					failures = append(failures, fmt.Errorf("%d clients: the live page read nothing", clients))
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%v\t%v\t%v\t%d\t%d\t%d\t\n", sys.name, clients, round, res.PerSec, ms(res.P50), ms(res.P99), ms(res.Max), res.Acked, res.Retries, res.Failed)
				if perSec[sys.name] == nil {
					perSec[sys.name] = map[int][]float64{}
				}
				perSec[sys.name][clients] = append(perSec[sys.name][clients], res.PerSec)
				if res.Failed > 0 {
					failures = append(failures, fmt.Errorf("%s, %d clients: %d PUTs failed; the first: %v", sys.name, clients, res.Failed, res.FirstErr))
				}
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *withLive {
		printRatios(loads, perSec, comparison{of: "raftplay+live", over: "raftplay", target: liveTarget})
	}
	if etcd != nil {
		printRatios(loads, perSec, comparison{of: "raftplay", over: "etcd", target: etcdTarget})
		if err := etcd.StopAll(10 * time.Second); err != nil {
			failures = append(failures, err)
		}
	}
	if st, err := c.Status(context.Background(), lead); err == nil && (st.Term != startTerm || st.Role != "leader") {
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

// startEtcd starts three etcd members in dir/etcd from bin ("" looks for etcd on the
// PATH, "none" skips) and returns the leader's URL; nil when there is no etcd to run.
func startEtcd(bin, dir string) (*e2e.EtcdCluster, string, error) {
	switch bin {
	case "none":
		return nil, "", nil
	case "":
		found, err := exec.LookPath("etcd")
		if err != nil {
			fmt.Fprintln(os.Stderr, "putbench: no etcd on the PATH (apt-get install etcd-server), so no comparison; -etcd none hides this note")
			return nil, "", nil
		}
		bin = found
	}
	etcdDir := filepath.Join(dir, "etcd")
	if err := os.MkdirAll(etcdDir, 0o755); err != nil {
		return nil, "", err
	}
	c, err := e2e.StartEtcd(bin, etcdDir)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lead, err := c.WaitLeader(ctx)
	if err != nil {
		c.Close()
		return nil, "", err
	}
	fmt.Fprintf(os.Stderr, "putbench: 3 etcd members (%s), leader %s; data in %s\n", bin, lead.Name, etcdDir)
	return c, lead.URL(), nil
}

// comparison is a ratio the run prints for each load: system of's PUT/s over system
// over's (medians over the rounds), against a target.
type comparison struct {
	of, over string
	target   func(clients int) float64
}

// etcdTarget is issue 11's: raftplay's PUT/s at least etcd's with few clients, 1.5x
// with 64 or more.
func etcdTarget(clients int) float64 {
	if clients >= 64 {
		return 1.5
	}
	return 1.0
}

// liveTarget is issue 15's: a node's throughput with a live page open stays at least
// 0.9x what it is without.
func liveTarget(int) float64 { return 0.9 }

// printRatios prints cmp's ratio for each load, and whether it meets the target.
func printRatios(loads []int, perSec map[string]map[int][]float64, cmp comparison) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nclients\t%s PUT/s\t%s PUT/s\t%s/%s\ttarget\tverdict\n", cmp.of, cmp.over, cmp.of, cmp.over)
	for _, clients := range loads {
		of, over := median(perSec[cmp.of][clients]), median(perSec[cmp.over][clients])
		ratio := 0.0
		if over > 0 {
			ratio = of / over
		}
		verdict := "met"
		if ratio < cmp.target(clients) {
			verdict = "MISSED"
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.2fx\t>= %.1fx\t%s\n", clients, of, over, ratio, cmp.target(clients), verdict)
	}
	_ = tw.Flush()
}

func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	if n := len(sorted); n%2 == 0 {
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return sorted[len(sorted)/2]
}

// machineNote says where the numbers were measured: they mean little elsewhere.
func machineNote() string {
	load := "?"
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(data))[:3], " ")
	}
	return fmt.Sprintf("machine: %s/%s, %d CPUs, load average %s (other jobs share this machine)", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), load)
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
