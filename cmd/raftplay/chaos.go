package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/raftplay/raftplay/sim"
	"github.com/raftplay/raftplay/sim/chaos"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() { commands = append(commands, newChaosCommand) }

// shrinkBudget bounds the wall-clock time spent shrinking one failing scenario.
const shrinkBudget = 2 * time.Minute

type chaosFlags struct {
	seeds      int
	from       uint64
	workers    int
	clients    int
	duration   time.Duration
	playground string
	shrinkRuns int
	unsafeVote bool
	unsafeFig8 bool
	unsafeRead bool
}

func newChaosCommand() *cobra.Command {
	var f chaosFlags
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "Run seeded fault scenarios through the simulator and check every invariant",
		Long: `chaos runs N seeded fault scenarios (crashes, restarts, partitions, one-way
links, message loss and duplication, forced timeouts) through the deterministic
simulator, with clients doing key-value operations throughout. It checks every
safety invariant after every event, liveness once the faults heal, that every
acknowledged write survived, and that the client history is linearizable.

It ends with the line "seeds=N violations=V" and exits 1 if V > 0, printing each
failing seed, a shrunk scenario that still fails (JSON) and a playground link that
replays it. A seed always gives the same run: rerun one with --from SEED --seeds 1.`,
		Example: `  raftplay chaos --seeds 2000
  raftplay chaos --from 1234 --seeds 1
  raftplay chaos --seeds 200 --unsafe-skip-up-to-date-check   # watch the checkers catch a broken rule`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runChaos(cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.seeds, "seeds", 100, "number of seeds to run")
	fl.Uint64Var(&f.from, "from", 1, "first seed")
	fl.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "seeds run in parallel")
	fl.IntVar(&f.clients, "clients", chaos.DefaultConfig().Clients, "simulated clients per scenario")
	fl.DurationVar(&f.duration, "duration", time.Duration(chaos.DefaultConfig().Duration)*time.Millisecond, "virtual time of faults per scenario")
	fl.StringVar(&f.playground, "playground", "http://127.0.0.1:8080/", "playground URL for replay links")
	fl.IntVar(&f.shrinkRuns, "shrink-runs", 500, "most runs spent shrinking each failing scenario (0: no shrinking)")
	fl.BoolVar(&f.unsafeVote, "unsafe-skip-up-to-date-check", false, "UNSAFE: grant votes without the §5.4.1 up-to-date check")
	fl.BoolVar(&f.unsafeFig8, "unsafe-commit-old-terms", false, "UNSAFE: commit entries of earlier terms by counting replicas (Figure 8)")
	fl.BoolVar(&f.unsafeRead, "unsafe-read-before-term-commit", false, "UNSAFE: serve ReadIndex before the leader has committed an entry of its term (thesis §6.4)")
	return cmd
}

func (f chaosFlags) config() (chaos.Config, error) {
	cfg := chaos.DefaultConfig()
	switch {
	case f.seeds <= 0:
		return cfg, fmt.Errorf("--seeds must be positive, got %d", f.seeds)
	case f.from > sim.MaxSeed || f.from+uint64(f.seeds)-1 > sim.MaxSeed:
		return cfg, fmt.Errorf("--from %d: seeds must stay below %d", f.from, sim.MaxSeed)
	case f.workers <= 0:
		return cfg, fmt.Errorf("--workers must be positive, got %d", f.workers)
	case f.clients < 0 || f.clients > sim.MaxClients:
		return cfg, fmt.Errorf("--clients must be between 0 and %d, got %d", sim.MaxClients, f.clients)
	case f.duration < time.Millisecond || f.duration > time.Hour:
		return cfg, fmt.Errorf("--duration must be between 1ms and 1h, got %s", f.duration)
	case f.shrinkRuns < 0:
		return cfg, fmt.Errorf("--shrink-runs must not be negative, got %d", f.shrinkRuns)
	}
	cfg.Clients = f.clients
	cfg.Duration = f.duration.Milliseconds()
	cfg.Unsafe.SkipUpToDateCheck = f.unsafeVote
	cfg.Unsafe.CommitOldTerms = f.unsafeFig8
	cfg.Unsafe.ReadBeforeTermCommit = f.unsafeRead
	return cfg, nil
}

func runChaos(stdout, stderr io.Writer, f chaosFlags) error {
	cfg, err := f.config()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if cfg.Unsafe != (sim.Unsafe{}) {
		fmt.Fprintln(stderr, "chaos: UNSAFE mode: a protocol rule is switched off; violations are expected")
	}
	bar := newProgress(stderr, f.seeds)
	start := time.Now()
	sum, err := chaos.RunSeeds(f.from, f.seeds, f.workers, cfg, func(chaos.Result) { bar.step() })
	bar.finish()
	if err != nil {
		return err
	}
	for _, res := range sum.Failed {
		reportFailure(stdout, res, cfg, f)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stderr, "chaos: %d seeds in %s: %d client operations checked, %d messages delivered (%.0f/s)\n",
		sum.Seeds, elapsed.Round(time.Millisecond), sum.Ops, sum.Delivered, float64(sum.Delivered)/elapsed.Seconds())
	if sum.SnapshotSeeds > 0 {
		fmt.Fprintf(stderr, "chaos: %d seeds with snapshots: %d taken, %d installed by InstallSnapshot, %d transfers cut by a crash\n",
			sum.SnapshotSeeds, sum.Snapshots.Taken, sum.Snapshots.Installed, sum.Snapshots.Interrupted)
	}
	fmt.Fprintf(stdout, "seeds=%d violations=%d\n", sum.Seeds, len(sum.Failed))
	if len(sum.Failed) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d seeds violated an invariant", len(sum.Failed), sum.Seeds)}
	}
	return nil
}

// reportFailure prints a failing seed, shrinks its scenario and prints the result as
// JSON with a playground link that replays it.
func reportFailure(w io.Writer, res chaos.Result, cfg chaos.Config, f chaosFlags) {
	v := res.Violations[0]
	fmt.Fprintf(w, "FAIL seed %d: %s at t=%dms: %s\n", res.Seed, v.Invariant, v.Time, v.Description)
	sc := chaos.Generate(res.Seed, cfg)
	if f.shrinkRuns > 0 {
		sc = chaos.Shrink(sc, chaos.SameFailure(cfg, v.Invariant), f.shrinkRuns, shrinkBudget)
	}
	data, err := sc.Marshal()
	if err != nil {
		fmt.Fprintf(w, "  (cannot encode the scenario: %v)\n", err)
		return
	}
	fmt.Fprintf(w, "  scenario (%d actions): %s\n", len(sc.Actions), data)
	if link, err := sim.ShareLink(f.playground, sc); err == nil {
		fmt.Fprintf(w, "  replay: %s\n", link)
	}
	fmt.Fprintf(w, "  rerun:  raftplay chaos --from %d --seeds 1%s\n", res.Seed, unsafeFlags(f))
}

func unsafeFlags(f chaosFlags) string {
	s := ""
	if f.unsafeVote {
		s += " --unsafe-skip-up-to-date-check"
	}
	if f.unsafeFig8 {
		s += " --unsafe-commit-old-terms"
	}
	if f.unsafeRead {
		s += " --unsafe-read-before-term-commit"
	}
	return s
}

// progress is a progress bar on a terminal, and a line every 10% elsewhere (CI logs).
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	total int
	done  int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if file, ok := w.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("chaos"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("seeds"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) step() {
	p.done++
	if p.bar != nil {
		_ = p.bar.Add(1)
		return
	}
	if p.total >= 10 && p.done%(p.total/10) == 0 || p.done == p.total {
		fmt.Fprintf(p.w, "chaos: %d/%d seeds\n", p.done, p.total)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
