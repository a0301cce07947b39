package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/lessons"
	"github.com/raftplay/raftplay/sim"
)

// playHelp lists what the learner can type in `raftplay lesson run`.
const playHelp = `Enter              let time run until the check passes (if you have made no move
                   in this step, the step's reference moves are made for you)
` + lessons.MoveSyntax + `
ticks N            let N ticks pass
back N             go back N ticks within this step (time then runs on along the
                   same run; a move made there starts a new future from there)
seek T             go to time T ms within this step, back or forward (up to the
                   furthest point the run has reached)
state              show the peers and their logs
check              show the step's check, part by part
restart            go back to the start of this step
back               go back to the start of the previous step
help               this list
quit               leave the lesson`

// notWhereExpected is the advice when even the step's own moves do not pass: the
// previous step was passed another way, and restarting this step would replay the same
// state, so the way out is back.
const notWhereExpected = `The cluster is not where this step expects it (the previous step was passed another way): go "back" and redo the previous step.`

// player plays a lesson in the terminal.
type player struct {
	in    *bufio.Scanner
	out   io.Writer
	r     *lessons.Runner
	moved bool   // the learner made a move in this step
	seed  string // orders the quiz's choices
	seen  int    // the trace events before this one have been shown
	// watch holds the ids of duplicated and delayed messages: their arrival is shown.
	watch map[uint64]bool
}

// playLesson plays l from step first (from 0), reading the learner's input from in.
// The end of the input ends the lesson quietly, as "quit" does; input that cannot be
// read (a line too long) is an error.
func playLesson(in io.Reader, out io.Writer, l *lessons.Lesson, first int, seed string) error {
	r, err := lessons.NewRunner(l)
	if err != nil {
		return err
	}
	if first > 0 {
		if err := r.GoTo(first); err != nil {
			return err
		}
	}
	p := &player{in: bufio.NewScanner(in), out: out, r: r, seed: seed, seen: r.Cluster().TraceLen(), watch: map[uint64]bool{}}
	fmt.Fprintf(out, "Lesson %d: %s\n\n%s\n", l.Number, l.Title, lessons.MarkdownText(l.Intro, textWidth))
	fmt.Fprintln(out, `Type "help" at any prompt for what you can do.`)
	shown := -1
	for {
		if r.Index() != shown {
			shown = r.Index()
			if r.Step().Start != nil {
				p.seen = r.Cluster().TraceLen() // a fresh cluster: its trace starts anew
			}
			p.moved = false
			p.introduce()
		}
		if r.Passed() {
			p.passed()
			if !p.quiz() {
				return p.inputError()
			}
			if r.Index() == len(l.Steps)-1 {
				if l.Outro != "" {
					fmt.Fprintf(out, "\n%s", lessons.MarkdownText(l.Outro, textWidth))
				}
				fmt.Fprintf(out, "\nLesson %d complete.\n", l.Number)
				return nil
			}
			if l.Steps[r.Index()+1].Start != nil {
				p.aftermath()
			}
			if err := r.Advance(); err != nil {
				return err
			}
			continue
		}
		line, ok := p.prompt("> ")
		if !ok {
			return p.inputError()
		}
		if !p.command(line) {
			return nil
		}
	}
}

// aftermathTicks is how long the terminal lets a run go on, on a copy, before the next
// step replaces it with a fresh cluster.
const aftermathTicks = 20

// aftermath shows what the run does next, on a copy of it, when the next step starts
// from a fresh cluster: a step ends at the event that passes its check, and what that
// event sets off (a new leader overwriting a follower's entry, in lesson 8) would
// otherwise never be seen.
func (p *player) aftermath() {
	c := p.r.Cluster().Clone()
	c.RunTicks(aftermathTicks)
	fmt.Fprintf(p.out, "\nWhat this run does next (%d more ticks, before the next step starts afresh):\n", aftermathTicks)
	p.showEventsOf(c)
	p.showStateOf(c)
}

// prompt reads one line; false at the end of the input.
func (p *player) prompt(text string) (string, bool) {
	fmt.Fprint(p.out, text)
	if !p.in.Scan() {
		fmt.Fprintln(p.out)
		return "", false
	}
	return strings.TrimSpace(p.in.Text()), true
}

// inputError is why the input stopped: nil at its end (the lesson ends quietly, as
// "quit" does), an error when it could not be read, such as a line too long.
func (p *player) inputError() error {
	err := p.in.Err()
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("read your input: a line longer than %d bytes; a move is one short line, such as \"timeout 1\"", bufio.MaxScanTokenSize)
	}
	if err != nil {
		return fmt.Errorf("read your input: %w", err)
	}
	return nil
}

func (p *player) introduce() {
	st := p.r.Step()
	l := p.r.Lesson()
	fmt.Fprintf(p.out, "\n=== Step %d of %d: %s ===\n\n", st.Number, len(l.Steps), st.Title)
	fmt.Fprint(p.out, lessons.MarkdownText(st.Narration, textWidth))
	fmt.Fprintln(p.out)
	p.showState()
	if st.Observe {
		fmt.Fprintln(p.out, "Watch: press Enter to let time run.")
	} else {
		fmt.Fprint(p.out, lessons.WrapText(lessons.InlineText(st.Action.Prompt), textWidth, "Your move: ", "           "))
		fmt.Fprintf(p.out, "(Type it, then Enter; or Enter alone to have it done: %s.)\n", moveTexts(st.Reference))
	}
}

// command carries out one line of input; false to leave the lesson.
func (p *player) command(line string) bool {
	r := p.r
	fields := strings.Fields(line)
	switch {
	case line == "":
		if p.moved || r.Step().Observe {
			p.letTimeRun()
		} else {
			p.takeReference()
		}
	case line == "quit" || line == "q" || line == "exit":
		return false
	case line == "help" || line == "?":
		fmt.Fprintln(p.out, playHelp)
	case line == "state":
		p.showState()
	case line == "check":
		p.showCheck()
	case line == "restart" || line == "back":
		var err error
		if line == "back" {
			err = r.Back()
		} else {
			err = r.RestartStep()
		}
		if err != nil {
			fmt.Fprintf(p.out, "cannot go back: %v\n", err)
			return true
		}
		p.moved = false
		p.seen = r.Cluster().TraceLen()
		fmt.Fprintf(p.out, "Back at the start of step %d: %s\n", r.Step().Number, r.Step().Title)
		p.showState()
	case (fields[0] == "back" || fields[0] == "seek") && len(fields) == 2:
		p.seek(fields[0], fields[1])
	case fields[0] == "ticks" || fields[0] == "wait":
		m, err := lessons.ParseMove(line, p.peers())
		if err != nil {
			fmt.Fprintf(p.out, "%v\n", err)
			return true
		}
		r.RunTicks(m.Wait)
		p.showEvents()
		p.showState()
	default:
		m, err := lessons.ParseMove(line, p.peers())
		if err != nil {
			fmt.Fprintf(p.out, "%v (type \"help\" for the moves)\n", err)
			return true
		}
		if err := r.Do(m); err != nil {
			fmt.Fprintf(p.out, "could not %s: %v\n", m.Text, err)
			return true
		}
		p.moved = true
		p.showEvents()
		if end, forked := r.Forked(); forked {
			fmt.Fprintf(p.out, "The run had gone on to t=%d ms; that future is discarded, and a new one begins here.\n", end.Time)
		}
		fmt.Fprintf(p.out, "done: %s (time is paused: make more moves, or press Enter to let time run)\n", m.Text)
	}
	return true
}

// seek carries out "back N" (ticks) and "seek T" (ms): a move along the run within the
// current step, as the page's time slider makes.
func (p *player) seek(verb, arg string) {
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n < 0 {
		fmt.Fprintf(p.out, "%s takes a whole number (%s), not %q\n", verb, map[string]string{"back": "ticks", "seek": "ms"}[verb], arg)
		return
	}
	tl := p.r.Timeline()
	t := n
	if verb == "back" {
		t = tl.Cluster().Now() - n*tl.Tick()
	}
	if _, err := p.r.SeekTime(t); err != nil {
		fmt.Fprintf(p.out, "cannot go to t=%d ms: %v (\"back\" alone goes to the previous step)\n", t, err)
		return
	}
	p.seen = p.r.Cluster().TraceLen()
	start, end := p.r.StepStart(), tl.End()
	fmt.Fprintf(p.out, "Now at t=%d ms, %d ticks into step %d. ", t, (t-start.Time)/tl.Tick(), p.r.Step().Number)
	if end.Time > t {
		fmt.Fprintf(p.out, "The run has gone on to t=%d ms: letting time run replays it, a move starts a new future.\n", end.Time)
	} else {
		fmt.Fprintln(p.out, "This is as far as the run has gone.")
	}
	p.showState()
}

func (p *player) peers() int { return len(p.r.Cluster().State().Peers) }

// letTimeRun runs until the check passes, for at most the step's bound.
func (p *player) letTimeRun() {
	st := p.r.Step()
	ticks, passed := p.r.RunUntilPassed(st.WithinTicks)
	p.showEvents()
	if res := p.r.Evaluate(); !passed && res.Failed {
		fmt.Fprintf(p.out, "The check can no longer pass on this run: %s\n", res.Detail)
		fmt.Fprintln(p.out, `What happened cannot be undone: "restart" the step (or go "back") and try again.`)
		p.showState()
		return
	}
	if !passed {
		_, detail := p.r.Check()
		fmt.Fprintf(p.out, "%d ticks passed and the check has not: %s\n", ticks, detail)
		fmt.Fprintln(p.out, `Try another move, or "restart" the step. If the cluster is not where this step expects it (a server in the wrong state), go "back" and redo the previous step.`)
		p.showState()
	}
}

func (p *player) takeReference() {
	st := p.r.Step()
	fmt.Fprintf(p.out, "Making the moves for you: %s\n", moveTexts(st.Reference))
	passed, err := p.r.TakeReference()
	p.showEvents()
	switch {
	case err != nil:
		fmt.Fprintf(p.out, "%v\n%s\n", err, notWhereExpected)
	case !passed:
		_, detail := p.r.Check()
		fmt.Fprintf(p.out, "The check has not passed: %s\n", detail)
		fmt.Fprintln(p.out, notWhereExpected)
	}
	p.moved = true
}

func (p *player) passed() {
	res := p.r.Evaluate()
	p.showState()
	fmt.Fprintf(p.out, "Check passed:\n")
	for _, part := range res.Parts {
		fmt.Fprintf(p.out, "  [x] %s\n", part.Text)
	}
}

func (p *player) showCheck() {
	res := p.r.Evaluate()
	for _, part := range res.Parts {
		mark := " "
		if part.Passed {
			mark = "x"
		}
		fmt.Fprintf(p.out, "  [%s] %s\n", mark, part.Text)
	}
}

// quiz asks the step's questions, with the choices in the learner's order; false if
// the input ended. A wrong answer says why it is wrong and gives a second try; once
// the question is over, the right answer, its explanation and why each other choice
// is wrong are shown.
func (p *player) quiz() bool {
	st := p.r.Step()
	for qi, q := range st.Quiz {
		order := q.Order(p.seed, p.r.Lesson().ID, st.Number, qi+1)
		fmt.Fprintf(p.out, "\n%s", lessons.WrapText(lessons.InlineText(q.Question), textWidth, "Question: ", "          "))
		shown := 0 // the shown position of the right choice, from 1
		for k, n := range order {
			marker := fmt.Sprintf("  %d) ", k+1)
			fmt.Fprint(p.out, lessons.WrapText(lessons.InlineText(q.Choices[n-1].Text), textWidth, marker, strings.Repeat(" ", len(marker))))
			if n == q.Correct {
				shown = k + 1
			}
		}
		tried := 0
		for tried < 2 {
			ask := fmt.Sprintf("Your answer (1-%d, Enter to see it): ", len(order))
			if tried == 1 {
				ask = fmt.Sprintf("One more try (1-%d, Enter to see it): ", len(order))
			}
			line, ok := p.prompt(ask)
			if !ok {
				return false
			}
			k, err := strconv.Atoi(line)
			switch {
			case line == "quit" || line == "q" || line == "exit":
				return false
			case line == "":
				fmt.Fprintf(p.out, "The answer is %d.\n", shown)
				tried = 2
			case err != nil || k < 1 || k > len(order):
				fmt.Fprintf(p.out, "Type a number from 1 to %d, or Enter to see the answer.\n", len(order))
			case k == shown:
				fmt.Fprintln(p.out, "Right.")
				tried = 2
			default:
				tried++
				why := lessons.InlineText(q.Choices[order[k-1]-1].Why)
				fmt.Fprint(p.out, lessons.WrapText(why, textWidth, fmt.Sprintf("Not %d. ", k), "  "))
				if tried == 2 {
					fmt.Fprintf(p.out, "The answer is %d.\n", shown)
				}
			}
		}
		fmt.Fprint(p.out, lessons.WrapText(lessons.InlineText(q.Explanation), textWidth, "", ""))
		fmt.Fprintln(p.out, "Why the other choices are wrong:")
		for k, n := range order {
			if n != q.Correct {
				fmt.Fprint(p.out, lessons.WrapText(lessons.InlineText(q.Choices[n-1].Why), textWidth, fmt.Sprintf("  %d) ", k+1), "     "))
			}
		}
	}
	return true
}

// maxShownEntries is how many of the last log entries the text view shows.
const maxShownEntries = 24

// showState prints the text view of the cluster: each peer's role, term, commit index
// and log (the entries' terms, with a bar after the committed ones), and its data.
func (p *player) showState() { p.showStateOf(p.r.Cluster()) }

// showStateOf prints the text view of cluster c.
func (p *player) showStateOf(c *sim.Cluster) {
	st := c.State()
	lead := "none"
	if st.Leader != 0 {
		lead = fmt.Sprintf("S%d", st.Leader)
	}
	fmt.Fprintf(p.out, "t=%d ms  leader: %s\n", st.Time, lead)
	for _, ps := range st.Peers {
		fmt.Fprintf(p.out, "  S%d %-12s term %-3d commit %-3d %s\n", ps.ID, ps.Role, ps.Term, ps.CommitIndex, logView(&ps))
		if len(ps.KV) > 0 {
			fmt.Fprintf(p.out, "      data: %s\n", kvView(ps.KV))
		}
		if len(ps.Replication) > 0 {
			fmt.Fprintf(p.out, "      leader's view: %s\n", replicationView(ps.Replication))
		}
	}
	if len(st.Violations) > 0 {
		v := st.Violations[len(st.Violations)-1]
		fmt.Fprintf(p.out, "  SAFETY VIOLATION (%d so far), the latest: %s: %s\n", len(st.Violations), v.Invariant, v.Description)
	}
}

// logView writes a log as its entries' terms, "|" after the committed ones:
// "log 1 1 4 | 4 5".
func logView(ps *sim.PeerState) string {
	if len(ps.Log) == 0 {
		return "log (empty)"
	}
	var b strings.Builder
	b.WriteString("log")
	entries := ps.Log
	if len(entries) > maxShownEntries {
		entries = entries[len(entries)-maxShownEntries:]
		fmt.Fprintf(&b, " ...%d:", entries[0].Index)
	}
	if ps.CommitIndex < entries[0].Index {
		b.WriteString(" |")
	}
	for _, e := range entries {
		fmt.Fprintf(&b, " %d", e.Term)
		if e.Index == ps.CommitIndex {
			b.WriteString(" |")
		}
	}
	return b.String()
}

// replicationView writes a leader's next and match index for each follower:
// "S2 match 3 next 4, S3 match 0 next 2 (probing)".
func replicationView(rs []sim.Replication) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("S%d match %d next %d", r.Peer, r.MatchIndex, r.NextIndex)
		if r.Mode == "probe" {
			parts[i] += " (probing)"
		}
	}
	return strings.Join(parts, ", ")
}

func kvView(data map[string]string) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + data[k]
	}
	return strings.Join(parts, " ")
}
