package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
	// unsafe holds the --unsafe-NAME flags, one per chaos.Switches entry.
	unsafe   map[string]*bool
	switches bool
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
replays it. A seed always gives the same run: rerun one with --from SEED --seeds 1.

With --switches it runs the seeds once for each of the engine's unsafe switches, with
that switch on, and prints a table: in how many seeds the checks caught the broken
rule, the first seed that caught it, and by which invariants. It ends with the line
"switches=N caught=C" and exits 1 if a switch was caught in no seed.`,
		Example: `  raftplay chaos --seeds 2000
  raftplay chaos --from 1234 --seeds 1
  raftplay chaos --seeds 200 --unsafe-skip-up-to-date-check   # watch the checkers catch a broken rule
  raftplay chaos --switches --seeds 2000                       # how often each unsafe switch is caught`,
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
	f.unsafe = map[string]*bool{}
	for _, sw := range chaos.Switches {
		f.unsafe[sw.Name] = fl.Bool("unsafe-"+sw.Name, false, "UNSAFE: break the rule "+sw.Rule)
	}
	fl.BoolVar(&f.switches, "switches", false, "run the seeds once per unsafe switch and report how many catch each")
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
	for _, sw := range chaos.Switches {
		if *f.unsafe[sw.Name] {
			if f.switches {
				return cfg, fmt.Errorf("--switches turns each unsafe switch on in turn: leave out --unsafe-%s", sw.Name)
			}
			sw.Set(&cfg.Unsafe)
		}
	}
	return cfg, nil
}

func runChaos(stdout, stderr io.Writer, f chaosFlags) error {
	cfg, err := f.config()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if f.switches {
		return runSwitches(stdout, stderr, f, cfg)
	}
	if cfg.Unsafe != (sim.Unsafe{}) {
		fmt.Fprintln(stderr, "chaos: UNSAFE mode: a protocol rule is switched off; violations are expected")
	}
	bar := newProgress(stderr, f.seeds)
	start := time.Now()
	sum, err := chaos.RunSeeds(f.from, f.seeds, f.workers, cfg, bar.step)
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
	if len(sum.Patterns) > 0 {
		names := slices.Sorted(maps.Keys(sum.Patterns))
		played := make([]string, len(names))
		for i, name := range names {
			played[i] = fmt.Sprintf("%s in %d", name, sum.Patterns[name])
		}
		fmt.Fprintf(stderr, "chaos: seeds that played a pattern: %s\n", strings.Join(played, ", "))
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
	for _, sw := range chaos.Switches {
		if *f.unsafe[sw.Name] {
			s += " --unsafe-" + sw.Name
		}
	}
	return s
}

// runSwitches runs the seeds once per unsafe switch and prints, as a Markdown table,
// how many of them catch each.
func runSwitches(stdout, stderr io.Writer, f chaosFlags, cfg chaos.Config) error {
	fmt.Fprintf(stderr, "chaos: %d seeds for each of %d unsafe switches: violations are expected\n", f.seeds, len(chaos.Switches))
	bar := newProgress(stderr, f.seeds*len(chaos.Switches))
	start := time.Now()
	catches := make([]chaos.Catch, 0, len(chaos.Switches))
	for _, sw := range chaos.Switches {
		c, err := chaos.CatchSwitch(sw, f.from, f.seeds, f.workers, cfg, bar.step)
		if err != nil {
			bar.finish()
			return err
		}
		catches = append(catches, c)
	}
	bar.finish()
	fmt.Fprintf(stderr, "chaos: %d runs in %s\n", f.seeds*len(chaos.Switches), time.Since(start).Round(time.Millisecond))
	missed := printCatches(stdout, catches)
	fmt.Fprintf(stdout, "switches=%d caught=%d\n", len(catches), len(catches)-len(missed))
	if len(missed) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("no seed caught the unsafe switch %s", strings.Join(missed, ", "))}
	}
	return nil
}

// printCatches prints one table row per switch and returns the switches no seed caught.
func printCatches(w io.Writer, catches []chaos.Catch) (missed []string) {
	fmt.Fprintln(w, "| unsafe switch | rule it breaks | seeds that catch it | first seed | caught by (first violation) |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, c := range catches {
		first := "none"
		if c.First != 0 {
			first = strconv.FormatUint(c.First, 10)
		} else {
			missed = append(missed, c.Switch.Name)
		}
		fmt.Fprintf(w, "| `--unsafe-%s` | %s | %d of %d (%.1f%%) | %s | %s |\n",
			c.Switch.Name, c.Switch.Rule, c.Caught, c.Seeds, 100*c.Share(), first, c.Invariants())
	}
	return missed
}

// progress is a progress bar on a terminal; elsewhere (CI logs, make) a line at every
// tenth of the run and at least every progressEvery, with the failures so far and the
// time left.
type progress struct {
	bar    *progressbar.ProgressBar
	w      io.Writer
	total  int
	done   int
	failed int
	start  time.Time
	last   time.Time // of the last line
}

// progressEvery is the longest gap between two progress lines off a terminal.
const progressEvery = 30 * time.Second

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	p.last = p.start
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

func (p *progress) step(res chaos.Result) {
	p.done++
	if res.Failed() {
		p.failed++
	}
	if p.bar != nil {
		_ = p.bar.Add(1)
		return
	}
	now := time.Now()
	tenth := p.total >= 10 && p.done%(p.total/10) == 0
	if !tenth && p.done != p.total && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start)
	left := time.Duration(float64(elapsed) / float64(p.done) * float64(p.total-p.done))
	fmt.Fprintf(p.w, "chaos: %d/%d seeds, %d failed, %s elapsed, about %s left\n",
		p.done, p.total, p.failed, elapsed.Round(time.Second), left.Round(time.Second))
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
