package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"github.com/raftplay/raftplay/lessons"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newLessonCommand) }

// textWidth is the column at which narration is wrapped in the terminal.
const textWidth = 78

func newLessonCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "lesson",
		Short: "Guided lessons on the real engine: list, show, check and run them",
		Long: `lesson plays raftplay's guided lessons. Each lesson sets up a cluster in the
deterministic simulator (the real engine, never a scripted fake) and walks through
steps: what to do, and a check over the engine's events and state that confirms
what happened.

  list       the lessons, in order
  show ID    a lesson's narration, steps, checks and quiz, as text
  check [ID] replay every step's reference path and verify its check (all lessons
             without an ID); also verify that no check passes without its step's action
             or with a plausible wrong move
  run ID     play a lesson in the terminal

ID is a lesson's id (log-replication) or number (4). The lessons are built in;
--dir reads them from a folder instead, to try a lesson you are writing (see
lessons/README.md for the format).`,
		Example: `  raftplay lesson list
  raftplay lesson run 1
  raftplay lesson check
  raftplay lesson check --dir ./lessons old-terms-figure-8`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError(cmd, errors.New("name a subcommand: list, show, check or run"))
		},
	}
	cmd.PersistentFlags().StringVar(&dir, "dir", "", "read the lessons from this folder instead of the built-in ones")
	// load reads the lessons: built in, or from --dir, naming the folder when it is
	// missing, not a folder, or holds no lesson (a mistyped --dir is a usage mistake).
	load := func(cmd *cobra.Command) ([]*lessons.Lesson, error) {
		if dir == "" {
			return lessons.All()
		}
		info, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, usageError(cmd, fmt.Errorf("--dir %s: no such folder", dir))
		case err != nil:
			return nil, fmt.Errorf("--dir %s: %w", dir, err)
		case !info.IsDir():
			return nil, usageError(cmd, fmt.Errorf("--dir %s: not a folder (give the folder that holds the NN-id.md lesson files)", dir))
		}
		all, err := lessons.ParseFS(os.DirFS(dir))
		if err != nil {
			return nil, fmt.Errorf("--dir %s: %w", dir, err)
		}
		return all, nil
	}
	find := func(cmd *cobra.Command, id string) (*lessons.Lesson, error) {
		all, err := load(cmd)
		if err != nil {
			return nil, err
		}
		l, err := lessons.Find(all, id)
		if err != nil {
			return nil, usageError(cmd, err)
		}
		return l, nil
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List the lessons",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			all, err := load(cmd)
			if err != nil {
				return err
			}
			return listLessons(cmd.OutOrStdout(), all)
		},
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Print a lesson: narration, steps, checks, reference paths and quiz",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := find(cmd, args[0])
			if err != nil {
				return err
			}
			showLesson(cmd.OutOrStdout(), l)
			return nil
		},
	}
	check := &cobra.Command{
		Use:   "check [ID]",
		Short: "Verify every step of the lessons through the real engine",
		Long: `check replays each lesson's reference path through the simulator and verifies
that every step's check passes within its tick bound. For each step with an action
it also plays the step without the action, and with each plausible wrong move (the
move aimed at another server, a forced timeout in place of a partition, block or
heal, a write in place of a read, one of several moves left out), and verifies that
the check does not pass: a check that passes anyway does not check what the learner
did.

It also judges the quizzes of the lessons checked, in the files' order: no choice
position may hold the right answer in more than half of the questions, and the right
answer may be the strictly longest choice in at most half of them (judged from 8
questions on). Each broken rule counts as one failure.

It prints PASS or FAIL per step, a "quiz" line, and ends with "lessons=N failures=F"
(F counts the failed steps and quiz rules); it exits 1 if F > 0.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := load(cmd)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				l, err := find(cmd, args[0])
				if err != nil {
					return err
				}
				list = []*lessons.Lesson{l}
			}
			if failures := checkLessons(cmd.OutOrStdout(), list); failures > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d lesson steps failed", failures)}
			}
			return nil
		},
	}
	var fromStep int
	var quizSeed string
	run := &cobra.Command{
		Use:   "run ID",
		Short: "Play a lesson in the terminal",
		Long: `run plays a lesson in the terminal: it prints the narration and a text view of
the peers' logs, and waits for you. Type the moves the step asks for (such as
"crash 2" or "client 1 SET x 3"), then press Enter to let time run; or press Enter
alone and the step's reference moves are made for you. "help" lists everything
you can type; "quit" leaves.

After each move and each stretch of time it prints what happened: the engine's
decisions, the messages other than heartbeats, the clients' requests and replies,
then the peers (and the leader's next and match index for each follower). A step
in which you only watch stops at the moment its check passes, so the next step
begins right there.

The quiz shows its choices in an order of your own, drawn from --quiz-seed (by
default your user name): the same seed gives the same order, as a learner id
does in the page. A wrong answer tells you why it is wrong and gives you a second
try.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := find(cmd, args[0])
			if err != nil {
				return err
			}
			if fromStep < 1 || fromStep > len(l.Steps) {
				return usageError(cmd, fmt.Errorf("--step must be 1 to %d, got %d", len(l.Steps), fromStep))
			}
			if quizSeed == "" {
				quizSeed = defaultQuizSeed()
			}
			return playLesson(cmd.InOrStdin(), cmd.OutOrStdout(), l, fromStep-1, quizSeed)
		},
	}
	run.Flags().IntVar(&fromStep, "step", 1, "begin at this step (the steps before it are played for you)")
	run.Flags().StringVar(&quizSeed, "quiz-seed", "", "shuffle the quiz choices with this seed (default: your user name)")
	cmd.AddCommand(list, show, check, run)
	return cmd
}

// defaultQuizSeed is the quiz seed of a learner who gives none: the user name, so
// that one learner keeps one order from run to run.
func defaultQuizSeed() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "learner"
}

func listLessons(out io.Writer, all []*lessons.Lesson) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tID\tSTEPS\tTITLE")
	for _, l := range all {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", l.Number, l.ID, len(l.Steps), l.Title)
	}
	return tw.Flush()
}

func showLesson(out io.Writer, l *lessons.Lesson) {
	fmt.Fprintf(out, "Lesson %d: %s (%s, %d steps)\n%s\n\n", l.Number, l.Title, l.ID, len(l.Steps), l.Summary)
	fmt.Fprint(out, lessons.MarkdownText(l.Intro, textWidth))
	for _, st := range l.Steps {
		fmt.Fprintf(out, "\n--- Step %d: %s ---\n\n", st.Number, st.Title)
		fmt.Fprint(out, lessons.MarkdownText(st.Narration, textWidth))
		fmt.Fprintln(out)
		if st.Start != nil {
			fmt.Fprintln(out, "Starts a fresh cluster.")
		}
		if st.Observe {
			fmt.Fprintln(out, "You: watch.")
		} else {
			fmt.Fprint(out, lessons.WrapText(lessons.InlineText(st.Action.Prompt), textWidth, "You: ", "     "))
		}
		fmt.Fprintf(out, "Reference: %s\n", moveTexts(st.Reference))
		fmt.Fprintf(out, "Check (within %d ticks): %s\n", st.WithinTicks, st.Check.Describe())
		for _, q := range st.Quiz {
			fmt.Fprint(out, lessons.WrapText(lessons.InlineText(q.Question), textWidth, "Quiz: ", "      "))
			for i, c := range q.Choices {
				marker := fmt.Sprintf("  %d) ", i+1)
				fmt.Fprint(out, lessons.WrapText(lessons.InlineText(c.Text), textWidth, marker, strings.Repeat(" ", len(marker))))
				if c.Why != "" {
					fmt.Fprint(out, lessons.WrapText(lessons.InlineText(c.Why), textWidth, "       why: ", "            "))
				}
			}
			fmt.Fprint(out, lessons.WrapText(fmt.Sprintf("Answer: %d. %s", q.Correct, lessons.InlineText(q.Explanation)), textWidth, "  ", "  "))
		}
	}
	if l.Outro != "" {
		fmt.Fprintln(out)
		fmt.Fprint(out, lessons.MarkdownText(l.Outro, textWidth))
	}
}

func moveTexts(moves []lessons.Move) string {
	if len(moves) == 0 {
		return "(none: time passes)"
	}
	texts := make([]string, len(moves))
	for i, m := range moves {
		texts[i] = m.Text
	}
	return strings.Join(texts, "; ")
}

// checkLessons verifies the lessons and returns the number of failed steps.
func checkLessons(out io.Writer, list []*lessons.Lesson) int {
	failures := 0
	for _, l := range list {
		rep := lessons.Verify(l)
		fmt.Fprintf(out, "lesson %02d %s: %s\n", l.Number, l.ID, l.Title)
		for _, s := range rep.Steps {
			if !s.Passed {
				fmt.Fprintf(out, "  step %d FAIL  %s\n", s.Step, s.Problem)
				continue
			}
			how := fmt.Sprintf("passed %d ticks after the reference moves; not without the action", s.Ticks)
			if s.WrongMoves > 0 {
				how += fmt.Sprintf(", nor with any of %d wrong moves", s.WrongMoves)
			}
			if s.Observe {
				how = fmt.Sprintf("observe: passed after %d ticks", s.Ticks)
			}
			fmt.Fprintf(out, "  step %d PASS  %s\n", s.Step, how)
		}
		failures += rep.Failures()
	}
	stats := lessons.Stats(list)
	problems := stats.Problems()
	verdict := "PASS"
	switch {
	case len(problems) > 0:
		verdict = "FAIL"
	case stats.Questions < lessons.MinQuizSample:
		verdict = fmt.Sprintf("(too few questions to judge the spread; it takes %d)", lessons.MinQuizSample)
	}
	fmt.Fprintf(out, "quiz %s  %s\n", verdict, stats)
	for _, p := range problems {
		fmt.Fprintf(out, "  quiz FAIL  %s\n", p)
	}
	failures += len(problems)
	fmt.Fprintf(out, "lessons=%d failures=%d\n", len(list), failures)
	return failures
}
