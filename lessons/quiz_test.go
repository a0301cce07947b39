package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShuffleOrderVectors pins the permutations: web/js/quiz-order.js must give the
// same ones (web/test/e2e/quiz.test.mjs checks the same vectors), so that a seed gives
// one order in the page and in the terminal.
func TestShuffleOrderVectors(t *testing.T) {
	assert.Equal(t, []int{3, 1, 2}, ShuffleOrder("ada|leader-election|2|1", 3))
	assert.Equal(t, []int{4, 2, 3, 1}, ShuffleOrder("", 4))
	assert.Equal(t, []int{3, 1, 4, 6, 2, 5}, ShuffleOrder("λ-seed|x|9|5", 6))
	assert.Equal(t, []int{1}, ShuffleOrder("one", 1))
}

func TestShuffleOrderIsAPermutationSpreadOverPositions(t *testing.T) {
	first := make([]int, 4)
	for i := range 400 {
		order := ShuffleOrder("learner"+string(rune('a'+i%26))+string(rune('a'+i/26)), 4)
		require.ElementsMatch(t, []int{1, 2, 3, 4}, order)
		first[order[0]-1]++
	}
	for k, n := range first {
		assert.Greater(t, n, 60, "choice %d comes first in a fair share of orders: %v", k+1, first)
	}
}

func TestQuizOrderDependsOnWhereTheQuestionIs(t *testing.T) {
	q := Quiz{Choices: make([]Choice, 5)}
	a := q.Order("s", "lesson", 1, 1)
	assert.Equal(t, a, q.Order("s", "lesson", 1, 1))
	differs := false
	for step := 2; step < 10; step++ {
		differs = differs || !assert.ObjectsAreEqual(a, q.Order("s", "lesson", step, 1))
	}
	assert.True(t, differs, "questions of one learner are not all shuffled alike")
}

func TestQuizStatsProblems(t *testing.T) {
	mk := func(correct int, texts ...string) Quiz {
		q := Quiz{Correct: correct}
		for _, s := range texts {
			q.Choices = append(q.Choices, Choice{Text: s})
		}
		return q
	}
	l := &Lesson{Steps: []*Step{{Quiz: []Quiz{mk(1, "long one", "a", "b")}}, {Quiz: []Quiz{mk(2, "a", "bb", "cc")}}}}
	s := Stats([]*Lesson{l})
	assert.Equal(t, 2, s.Questions)
	assert.Equal(t, []int{1, 1, 0, 0, 0, 0}, s.AtPosition)
	assert.Equal(t, 1, s.Longest, "a tie for the longest does not count")
	assert.Empty(t, s.Problems(), "too few questions to judge")

	var qs []Quiz
	for i := range MinQuizSample {
		qs = append(qs, mk(1+i%2, "xxxxx", "yyyy", "zzz"))
	}
	l = &Lesson{Steps: []*Step{{Quiz: qs}}}
	s = Stats([]*Lesson{l})
	assert.Empty(t, s.Problems(), "half at one position and half longest is allowed: %s", s)
	qs = append(qs, mk(1, "xxxxx", "yyyy", "zzz"))
	l.Steps[0].Quiz = qs
	s = Stats([]*Lesson{l})
	assert.Len(t, s.Problems(), 2, "%s", s)
	assert.Equal(t, "9 questions; right answer at 1:5 2:4; the longest choice in 5", s.String())
}

// TestShippedQuizzesPassTheSpreadRules: the lessons' quizzes give nothing away by
// position or length.
func TestShippedQuizzesPassTheSpreadRules(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	s := Stats(all)
	assert.GreaterOrEqual(t, s.Questions, MinQuizSample)
	assert.Empty(t, s.Problems(), "%s", s)
}
