package lessons

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/raftplay/raftplay/sim"
)

// Lesson is one lesson: narration, a starting scenario and the steps the learner
// takes. Lessons returned by All, Get and Parse are shared: do not modify them.
type Lesson struct {
	// Number orders the lessons (the file name's prefix, "04-" is 4).
	Number int `json:"number"`
	// ID is the file name without the number and ".md": "log-replication".
	ID string `json:"id"`
	// File is the file name, for error messages.
	File string `json:"file"`
	// Title is the text of the file's "# " heading.
	Title string `json:"title"`
	// Summary is one sentence for a lesson menu.
	Summary string `json:"summary"`
	// Intro is the Markdown before the lesson block; IntroHTML the same as HTML.
	Intro     string `json:"intro"`
	IntroHTML string `json:"intro_html"`
	// Outro is the Markdown after the last step block; OutroHTML the same as HTML.
	Outro     string `json:"outro"`
	OutroHTML string `json:"outro_html"`
	// Scenario is the cluster the lesson starts with.
	Scenario sim.Scenario `json:"scenario"`
	// Steps are the lesson's steps, in order.
	Steps []*Step `json:"steps"`
}

// Outline is a lesson's line in a menu: what the page lists without loading the
// whole lesson.
type Outline struct {
	Number  int    `json:"number"`
	ID      string `json:"id"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Steps   int    `json:"steps"`
}

// Outline returns the lesson's line in a menu.
func (l *Lesson) Outline() Outline {
	return Outline{Number: l.Number, ID: l.ID, Title: l.Title, Summary: l.Summary, Steps: len(l.Steps)}
}

// Step is one step of a lesson: narration, what the learner is asked to do, the
// check that must become true, and the reference path that makes it true.
type Step struct {
	// Number is the step's position, from 1.
	Number int `json:"number"`
	// Title is the text of the step's "## " heading.
	Title string `json:"title"`
	// Narration is the step's Markdown, without the heading; NarrationHTML as HTML.
	Narration     string `json:"narration"`
	NarrationHTML string `json:"narration_html"`
	// Action is what the learner is asked to do; nil for an observe step.
	Action *Action `json:"action,omitempty"`
	// Observe marks a step in which the learner only watches: it has no action, and
	// its check is expected to become true by itself.
	Observe bool `json:"observe,omitempty"`
	// Reference is a path that satisfies the check: the moves a learner would make.
	Reference []Move `json:"reference"`
	// Check must become true within WithinTicks ticks of the learner's last move (of
	// the step's start, in an observe step).
	Check       *Check `json:"check"`
	WithinTicks int    `json:"within_ticks"`
	// Quiz holds questions shown once the check passes.
	Quiz []Quiz `json:"quiz,omitempty"`
	// Start, if set, replaces the cluster by a fresh one from this scenario when the
	// step begins (a lesson in two parts, such as unsafe and then safe).
	Start *sim.Scenario `json:"start,omitempty"`
}

// Action is what a step asks the learner to do.
type Action struct {
	// Prompt says it in a sentence (inline Markdown); PromptHTML as HTML.
	Prompt     string `json:"prompt"`
	PromptHTML string `json:"prompt_html"`
	// Highlight is a CSS selector of the page element to highlight, such as
	// ".peer-card[data-peer=\"2\"]"; empty for none.
	Highlight string `json:"highlight,omitempty"`
}

// Quiz is a multiple-choice question built on a common misconception. The page and
// the terminal show its choices in an order shuffled per learner (Order); Correct
// counts in the order of the file.
type Quiz struct {
	Question string   `json:"question"`
	Choices  []Choice `json:"choices"`
	// Correct is the number of the right choice, from 1, in the file's order.
	Correct int `json:"correct"`
	// Explanation says why the right choice is right; shown once the question is
	// answered (right, or wrong twice).
	Explanation string `json:"explanation"`

	// The same texts rendered as HTML (inline Markdown).
	QuestionHTML    string `json:"question_html"`
	ExplanationHTML string `json:"explanation_html"`
}

// Choice is one answer to a quiz question, with why it is wrong (or right): the
// learner who picks it reads Why, so every wrong choice answers its misconception.
type Choice struct {
	Text string `json:"text"`
	Why  string `json:"why"`

	// The same texts rendered as HTML (inline Markdown).
	TextHTML string `json:"text_html"`
	WhyHTML  string `json:"why_html"`
}

// DefaultWithinTicks is a step's tick bound when its block does not set one.
const DefaultWithinTicks = 100

var (
	loadOnce sync.Once
	loaded   []*Lesson
	loadErr  error
)

// All returns the lessons embedded in the binary, in order. They are loaded once
// (embed_native.go, embed_wasm.go); an error names the file and the part of it that
// is wrong.
func All() ([]*Lesson, error) {
	loadOnce.Do(func() { loaded, loadErr = loadEmbedded() })
	return loaded, loadErr
}

// Get returns the embedded lesson with the given id ("log-replication"), number ("4"
// or "04") or file name.
func Get(id string) (*Lesson, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	return Find(all, id)
}

// Find returns the lesson of the list with the given id, number or file name.
func Find(list []*Lesson, id string) (*Lesson, error) {
	n, numErr := strconv.Atoi(id)
	for _, l := range list {
		if l.ID == id || l.File == id || numErr == nil && l.Number == n {
			return l, nil
		}
	}
	ids := make([]string, len(list))
	for i, l := range list {
		ids[i] = l.ID
	}
	return nil, fmt.Errorf("lessons: no lesson %q (the lessons are %s)", id, strings.Join(ids, ", "))
}

// ParseFS parses every lesson file (named NN-id.md) at the top of fsys, in order of
// their numbers. Two lessons may not share a number or an id.
func ParseFS(fsys fs.FS) ([]*Lesson, error) {
	names, err := fs.Glob(fsys, "[0-9][0-9]-*.md")
	if err != nil {
		return nil, fmt.Errorf("lessons: list the lesson files: %w", err)
	}
	return parseFiles(names, func(name string) ([]byte, error) { return fs.ReadFile(fsys, name) })
}

// parseFiles parses the named lesson files, in order of their names.
func parseFiles(names []string, read func(string) ([]byte, error)) ([]*Lesson, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("lessons: no lesson files (NN-id.md) found")
	}
	sortStrings(names)
	var out []*Lesson
	for _, name := range names {
		data, err := read(name)
		if err != nil {
			return nil, fmt.Errorf("lessons: read %s: %w", name, err)
		}
		l, err := Parse(path.Base(name), data)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 {
			prev := out[len(out)-1]
			if prev.Number == l.Number {
				return nil, fmt.Errorf("lessons: %s and %s share the number %02d", prev.File, l.File, l.Number)
			}
		}
		for _, o := range out {
			if o.ID == l.ID {
				return nil, fmt.Errorf("lessons: %s and %s share the id %q", o.File, l.File, l.ID)
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// sortStrings sorts s in increasing order with sort.Slice: sort.Strings and slices.Sort
// compile to a copy of pdqsort for strings alone (20 kB of the playground's wasm), and
// the lessons are in that wasm.
func sortStrings(s []string) {
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
}
