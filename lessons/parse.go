package lessons

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/raftplay/raftplay/sim"
)

// Limits on a lesson file.
const (
	MaxLessonBytes = 1 << 20
	MaxSteps       = 50
	MaxQuiz        = 5
	MaxChoices     = 6
	MaxWithinTicks = 100_000
	maxHighlight   = 200
)

// ErrLesson is wrapped by every error about a malformed lesson file.
var ErrLesson = errors.New("lessons")

// block is a fenced ```lesson or ```step block with the Markdown before it.
type block struct {
	kind string // "lesson" or "step"
	line int    // line of the opening fence, from 1
	body string // the JSON
	text string // the Markdown between the previous block and this one
}

// Parse reads one lesson file. name is its file name, NN-id.md, which gives the
// lesson's number and id. Errors wrap ErrLesson and name the file, the step and the
// field that is wrong.
func Parse(name string, data []byte) (*Lesson, error) {
	l, err := parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrLesson, name, err)
	}
	return l, nil
}

func parse(name string, data []byte) (*Lesson, error) {
	number, id, err := parseFileName(name)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxLessonBytes {
		return nil, fmt.Errorf("%d bytes is larger than the limit of %d", len(data), MaxLessonBytes)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("the file is not valid UTF-8")
	}
	blocks, outro, err := splitBlocks(string(data))
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 || blocks[0].kind != "lesson" {
		return nil, errors.New("the file needs a ```lesson block (the starting scenario) before its ```step blocks")
	}
	l := &Lesson{Number: number, ID: id, File: name}
	if l.Title, l.Intro, err = splitHeading(blocks[0].text, "#"); err != nil {
		return nil, fmt.Errorf("before the lesson block: %w", err)
	}
	if err := l.parseHead(blocks[0]); err != nil {
		return nil, fmt.Errorf("lesson block (line %d): %w", blocks[0].line, err)
	}
	steps := blocks[1:]
	switch {
	case len(steps) == 0:
		return nil, errors.New("the lesson has no ```step blocks")
	case len(steps) > MaxSteps:
		return nil, fmt.Errorf("%d steps is more than the limit of %d", len(steps), MaxSteps)
	}
	peers := l.Scenario.Options.Peers
	for i, b := range steps {
		if b.kind != "step" {
			return nil, fmt.Errorf("line %d: a second ```lesson block; a file holds one", b.line)
		}
		st, err := parseStep(b, i+1, peers)
		if err != nil {
			return nil, fmt.Errorf("step %d (line %d): %w", i+1, b.line, err)
		}
		if st.Start != nil {
			peers = st.Start.Options.Peers
		}
		l.Steps = append(l.Steps, st)
	}
	l.Outro = strings.TrimSpace(outro)
	l.IntroHTML, l.OutroHTML = MarkdownHTML(l.Intro), MarkdownHTML(l.Outro)
	return l, nil
}

// parseFileName reads "04-log-replication.md".
func parseFileName(name string) (int, string, error) {
	base, ok := strings.CutSuffix(name, ".md")
	if !ok || len(base) < 4 || base[2] != '-' {
		return 0, "", fmt.Errorf("the file name must be NN-id.md, such as 04-log-replication.md")
	}
	number, err := strconv.Atoi(base[:2])
	if err != nil || number < 1 {
		return 0, "", fmt.Errorf("the file name must start with a two-digit lesson number from 01, got %q", base[:2])
	}
	id := base[3:]
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return 0, "", fmt.Errorf("the lesson id %q may hold only a-z, 0-9 and '-'", id)
		}
	}
	return number, id, nil
}

// splitBlocks cuts the file into its ```lesson and ```step blocks, each with the
// Markdown before it, and returns the Markdown after the last block. Other fenced
// blocks (```sh) are narration.
func splitBlocks(src string) ([]block, string, error) {
	var blocks []block
	var text strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(fence, "```") {
			text.WriteString(lines[i] + "\n")
			continue
		}
		kind := strings.TrimSpace(fence[3:])
		start := i
		var body strings.Builder
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body.WriteString(lines[i] + "\n")
		}
		if i >= len(lines) {
			return nil, "", fmt.Errorf("line %d: the fenced block opened here is never closed with ```", start+1)
		}
		if kind != "lesson" && kind != "step" {
			text.WriteString(lines[start] + "\n" + body.String() + "```\n")
			continue
		}
		blocks = append(blocks, block{kind: kind, line: start + 1, body: body.String(), text: text.String()})
		text.Reset()
	}
	return blocks, text.String(), nil
}

// splitHeading takes the heading that must open the text ("#" or "##") and returns
// its title and the rest.
func splitHeading(text, marks string) (string, string, error) {
	text = strings.TrimSpace(text)
	first, rest, _ := strings.Cut(text, "\n")
	title, ok := strings.CutPrefix(first, marks+" ")
	if !ok || strings.TrimSpace(title) == "" {
		return "", "", fmt.Errorf("the text must start with a %q heading (the title), got %q", marks+" ", clip(first))
	}
	return strings.TrimSpace(title), strings.TrimSpace(rest), nil
}

// lessonJSON is the ```lesson block.
type lessonJSON struct {
	Summary  string          `json:"summary"`
	Scenario json.RawMessage `json:"scenario"`
}

func (l *Lesson) parseHead(b block) error {
	var head lessonJSON
	if err := strictUnmarshal([]byte(b.body), &head); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if strings.TrimSpace(head.Summary) == "" {
		return errors.New("needs \"summary\": one sentence for the lesson menu")
	}
	l.Summary = head.Summary
	sc, err := parseScenario(head.Scenario)
	if err != nil {
		return fmt.Errorf("scenario: %w", err)
	}
	l.Scenario = sc
	return nil
}

func parseScenario(raw json.RawMessage) (sim.Scenario, error) {
	if len(raw) == 0 {
		return sim.Scenario{}, errors.New("missing: give at least {\"v\": 1, \"seed\": N}")
	}
	return sim.ParseScenario(raw)
}

// stepJSON is a ```step block.
type stepJSON struct {
	Action      *actionJSON     `json:"action"`
	Observe     bool            `json:"observe"`
	Reference   json.RawMessage `json:"reference"`
	Check       json.RawMessage `json:"check"`
	WithinTicks *int            `json:"within_ticks"`
	Quiz        []quizJSON      `json:"quiz"`
	Start       json.RawMessage `json:"start"`
}

type actionJSON struct {
	Prompt    string `json:"prompt"`
	Highlight string `json:"highlight"`
}

type quizJSON struct {
	Question    string       `json:"question"`
	Choices     []choiceJSON `json:"choices"`
	Correct     int          `json:"correct"`
	Explanation string       `json:"explanation"`
}

type choiceJSON struct {
	Text string `json:"text"`
	Why  string `json:"why"`
}

func parseStep(b block, number, peers int) (*Step, error) {
	st := &Step{Number: number}
	var err error
	if st.Title, st.Narration, err = splitHeading(b.text, "##"); err != nil {
		return nil, fmt.Errorf("narration: %w", err)
	}
	st.NarrationHTML = MarkdownHTML(st.Narration)
	var sj stepJSON
	if err := strictUnmarshal([]byte(b.body), &sj); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if sj.Start != nil {
		sc, err := parseScenario(sj.Start)
		if err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
		st.Start, peers = &sc, sc.Options.Peers
	}
	if err := st.parseAction(&sj, peers); err != nil {
		return nil, err
	}
	if sj.Check == nil {
		return nil, errors.New("needs \"check\": what must become true (see lessons/README.md)")
	}
	p := checkParser{peers: peers}
	if st.Check, err = p.parse(sj.Check, "check", 0); err != nil {
		return nil, err
	}
	st.WithinTicks = DefaultWithinTicks
	if sj.WithinTicks != nil {
		st.WithinTicks = *sj.WithinTicks
		if st.WithinTicks < 1 || st.WithinTicks > MaxWithinTicks {
			return nil, fmt.Errorf("within_ticks must be 1 to %d, got %d", MaxWithinTicks, st.WithinTicks)
		}
	}
	if len(sj.Quiz) > MaxQuiz {
		return nil, fmt.Errorf("quiz: %d questions is more than the limit of %d", len(sj.Quiz), MaxQuiz)
	}
	for i, q := range sj.Quiz {
		quiz, err := parseQuiz(q)
		if err != nil {
			return nil, fmt.Errorf("quiz[%d]: %w", i, err)
		}
		st.Quiz = append(st.Quiz, quiz)
	}
	return st, nil
}

// parseAction reads the action or observe flag and the reference path.
func (st *Step) parseAction(sj *stepJSON, peers int) error {
	switch {
	case sj.Action != nil && sj.Observe:
		return errors.New("a step has an \"action\" or is \"observe\": true, not both")
	case sj.Action == nil && !sj.Observe:
		return errors.New("needs an \"action\" for the learner, or \"observe\": true for a step that only watches")
	}
	if sj.Reference == nil {
		if sj.Action != nil {
			return errors.New("needs \"reference\": the moves that satisfy the check, such as [\"crash 2\", \"wait 20\"]")
		}
	} else {
		moves, err := parseMoves(sj.Reference, peers)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		st.Reference = moves
	}
	if st.Reference == nil {
		st.Reference = []Move{}
	}
	acts := 0
	for _, m := range st.Reference {
		if !m.IsWait() {
			acts++
		}
	}
	if sj.Observe {
		st.Observe = true
		if acts > 0 {
			return errors.New("reference: an observe step may only wait; give the step an \"action\" if the learner acts")
		}
		return nil
	}
	if acts == 0 {
		return errors.New("reference: holds no action; the learner's action must appear in it")
	}
	a := sj.Action
	if strings.TrimSpace(a.Prompt) == "" {
		return errors.New("action: needs \"prompt\": what the learner is asked to do")
	}
	if len(a.Highlight) > maxHighlight || strings.ContainsAny(a.Highlight, "<\n\r") {
		return fmt.Errorf("action: highlight must be a CSS selector of at most %d characters on one line", maxHighlight)
	}
	st.Action = &Action{Prompt: a.Prompt, PromptHTML: inlineHTML(a.Prompt), Highlight: a.Highlight}
	return nil
}

func parseQuiz(q quizJSON) (Quiz, error) {
	switch {
	case strings.TrimSpace(q.Question) == "":
		return Quiz{}, errors.New("needs \"question\"")
	case len(q.Choices) < 2 || len(q.Choices) > MaxChoices:
		return Quiz{}, fmt.Errorf("needs 2 to %d \"choices\", got %d", MaxChoices, len(q.Choices))
	case q.Correct < 1 || q.Correct > len(q.Choices):
		return Quiz{}, fmt.Errorf("\"correct\" must be the number of the right choice, 1 to %d, got %d", len(q.Choices), q.Correct)
	case strings.TrimSpace(q.Explanation) == "":
		return Quiz{}, errors.New("needs \"explanation\": why the right choice is right")
	}
	out := Quiz{Question: q.Question, Correct: q.Correct, Explanation: q.Explanation,
		QuestionHTML: inlineHTML(q.Question), ExplanationHTML: inlineHTML(q.Explanation)}
	for i, c := range q.Choices {
		switch {
		case strings.TrimSpace(c.Text) == "":
			return Quiz{}, fmt.Errorf("choice %d needs \"text\"", i+1)
		case i+1 != q.Correct && strings.TrimSpace(c.Why) == "":
			return Quiz{}, fmt.Errorf("choice %d needs \"why\": what is wrong with it, for the learner who picks it", i+1)
		}
		out.Choices = append(out.Choices, Choice{Text: c.Text, Why: c.Why, TextHTML: inlineHTML(c.Text), WhyHTML: inlineHTML(c.Why)})
	}
	return out, nil
}
