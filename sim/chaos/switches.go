package chaos

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/raftplay/raftplay/sim"
)

// Switch is one unsafe switch: a protocol rule the engine can be told to break. Chaos
// must catch every one of them; Switches lists them, and a new switch is one more
// entry there (its flag, its row in the report and its test follow).
type Switch struct {
	// Name is the switch's flag without its prefix: raftplay chaos --unsafe-NAME.
	Name string
	// Rule is the rule it breaks, with the section of the paper (or thesis) that
	// states it.
	Rule string
	// Set turns the switch on.
	Set func(u *sim.Unsafe)
}

// Switches are the engine's unsafe switches (engine.UnsafeConfig, through sim.Unsafe).
var Switches = []Switch{
	{
		Name: "skip-up-to-date-check",
		Rule: "§5.4.1: a vote only for a candidate whose log is at least as up-to-date",
		Set:  func(u *sim.Unsafe) { u.SkipUpToDateCheck = true },
	},
	{
		Name: "commit-old-terms",
		Rule: "§5.4.2, Figure 8: a leader counts replicas only of entries of its own term",
		Set:  func(u *sim.Unsafe) { u.CommitOldTerms = true },
	},
	{
		Name: "read-before-term-commit",
		Rule: "thesis §6.4: ReadIndex waits until the leader has committed an entry of its term",
		Set:  func(u *sim.Unsafe) { u.ReadBeforeTermCommit = true },
	},
	{
		Name: "direct-config-change",
		Rule: "§6, Figure 10: a change of voters goes through the joint configuration C_old,new",
		Set:  func(u *sim.Unsafe) { u.DirectConfigChange = true },
	},
}

// SwitchByName returns the switch with that name.
func SwitchByName(name string) (Switch, bool) {
	i := slices.IndexFunc(Switches, func(s Switch) bool { return s.Name == name })
	if i < 0 {
		return Switch{}, false
	}
	return Switches[i], true
}

// With returns cfg with the switch on.
func (s Switch) With(cfg Config) Config {
	s.Set(&cfg.Unsafe)
	return cfg
}

// Catch is how a run of seeds with one switch on went: in how many seeds the checks
// caught the broken rule, and by which invariant.
type Catch struct {
	Switch Switch
	Seeds  int
	// Caught counts the seeds with a violation; First is the lowest of them (0: none).
	Caught int
	First  uint64
	// By counts the caught seeds by the invariant of their first violation.
	By map[string]int
}

// Share is the fraction of the seeds that caught the switch.
func (c Catch) Share() float64 { return float64(c.Caught) / float64(max(c.Seeds, 1)) }

// Invariants lists By as "name count" pairs, the most frequent first.
func (c Catch) Invariants() string {
	names := make([]string, 0, len(c.By))
	for name := range c.By {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(c.By[b], c.By[a]), cmp.Compare(a, b))
	})
	s := ""
	for i, name := range names {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", name, c.By[name])
	}
	return s
}

// CatchSwitch runs the seeds from, ..., from+n-1 with the switch on (see RunSeeds) and
// counts the seeds that caught it.
func CatchSwitch(s Switch, from uint64, n, workers int, cfg Config, done func(Result)) (Catch, error) {
	sum, err := RunSeeds(from, n, workers, s.With(cfg), done)
	if err != nil {
		return Catch{}, err
	}
	c := Catch{Switch: s, Seeds: sum.Seeds, Caught: len(sum.Failed), By: map[string]int{}}
	for _, res := range sum.Failed {
		c.By[res.Violations[0].Invariant]++
	}
	if len(sum.Failed) > 0 {
		c.First = sum.Failed[0].Seed
	}
	return c, nil
}

// FirstCatch runs seeds from `from` on, in batches of `batch` seeds, until one catches
// the switch, and returns that seed (the lowest that catches it), or 0 when none of the
// first limit seeds does.
func FirstCatch(s Switch, from uint64, limit, batch, workers int, cfg Config) (uint64, error) {
	for done := 0; done < limit; done += batch {
		c, err := CatchSwitch(s, from+uint64(done), min(batch, limit-done), workers, cfg, nil)
		if err != nil {
			return 0, err
		}
		if c.First != 0 {
			return c.First, nil
		}
	}
	return 0, nil
}
