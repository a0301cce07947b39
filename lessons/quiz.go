package lessons

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Order returns the order in which a learner sees the question's choices: Order(...)[k]
// is the number (from 1, in the file's order) of the choice shown in position k+1. The
// order depends only on the seed (a learner's id in the page, `--quiz-seed` in the
// terminal) and on where the question is, so a learner sees the same order every time,
// two learners usually see different ones, and a given seed reproduces it anywhere.
// web/js/quiz-order.js computes the same order in the page; keep them in step.
func (q *Quiz) Order(seed, lesson string, step, question int) []int {
	return ShuffleOrder(seed+"|"+lesson+"|"+strconv.Itoa(step)+"|"+strconv.Itoa(question), len(q.Choices))
}

// ShuffleOrder is a permutation of 1..n drawn from key: a Fisher-Yates shuffle driven
// by mulberry32 seeded with the FNV-1a hash of key's bytes. Both are exact on 32-bit
// integers, so JavaScript computes the same permutation.
func ShuffleOrder(key string, n int) []int {
	h := uint32(0x811c9dc5)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 0x01000193
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i + 1
	}
	state := h
	for i := n - 1; i > 0; i-- {
		state += 0x6d2b79f5
		t := state
		t = (t ^ t>>15) * (t | 1)
		t ^= t + (t^t>>7)*(t|61)
		t ^= t >> 14
		j := int(t % uint32(i+1))
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// QuizStats describes where the right answers sit in the source files: a quiz whose
// right answer is usually in one position, or usually the longest choice, can be
// passed without reading it.
type QuizStats struct {
	Questions int
	// AtPosition[k] counts the questions whose right answer is choice k+1 in the file.
	AtPosition []int
	// Longest counts the questions whose right answer is strictly the longest choice
	// (in characters).
	Longest int
}

// MinQuizSample is the number of questions from which CheckQuizzes judges the spread:
// with fewer, one position holding most answers says nothing.
const MinQuizSample = 8

// Stats counts where the right answers of the lessons' quizzes are.
func Stats(list []*Lesson) QuizStats {
	s := QuizStats{AtPosition: make([]int, MaxChoices)}
	for _, l := range list {
		for _, st := range l.Steps {
			for _, q := range st.Quiz {
				s.Questions++
				s.AtPosition[q.Correct-1]++
				if q.correctIsLongest() {
					s.Longest++
				}
			}
		}
	}
	return s
}

func (q *Quiz) correctIsLongest() bool {
	right := utf8.RuneCountInString(q.Choices[q.Correct-1].Text)
	for i, c := range q.Choices {
		if i+1 != q.Correct && utf8.RuneCountInString(c.Text) >= right {
			return false
		}
	}
	return true
}

// Problems reports what makes the quizzes guessable, by two rules over all their
// questions (once there are at least MinQuizSample): no position of the file holds
// the right answer in more than half of the questions, and the right answer is the
// strictly longest choice in at most half of them. The page and the terminal shuffle
// the choices anyway, but the file order is what `lesson show` prints and what a
// learner without the shuffle (or with a shared seed) sees, and a longest-is-right
// habit survives any shuffle.
func (s QuizStats) Problems() []string {
	if s.Questions < MinQuizSample {
		return nil
	}
	var out []string
	for k, n := range s.AtPosition {
		if 2*n > s.Questions {
			out = append(out, fmt.Sprintf("choice %d is the right answer in %d of %d questions (more than half): move the right answers around", k+1, n, s.Questions))
		}
	}
	if 2*s.Longest > s.Questions {
		out = append(out, fmt.Sprintf("the right answer is the longest choice in %d of %d questions (more than half): write distractors as long as the answer", s.Longest, s.Questions))
	}
	return out
}

// String is a one-line summary: "28 questions; right answer at 1:7 2:8 3:9 4:4; longest 9".
func (s QuizStats) String() string {
	b := fmt.Sprintf("%d questions; right answer at", s.Questions)
	for k, n := range s.AtPosition {
		if n > 0 {
			b += fmt.Sprintf(" %d:%d", k+1, n)
		}
	}
	return b + fmt.Sprintf("; the longest choice in %d", s.Longest)
}
