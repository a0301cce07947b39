package engine

// The protocol's vocabulary is defined here once: the names of event kinds, reasons,
// roles and message types, with the rule of the paper each one follows. Traces, the
// node's /events, lesson checks and the page (web/js/vocab.gen.js, generated from
// these lists by `make generate`) all take their names from the String, Rule, Parse
// and list functions; nothing else spells them out.

// term is one word of the vocabulary: its name and the rule it cites.
type term struct {
	name string
	rule string
}

// parseTerm finds name among terms; index 0, the invalid or empty value, never matches.
func parseTerm[T ~uint8](terms []term, name string, zero T) (T, bool) {
	for i := 1; i < len(terms); i++ {
		if terms[i].name == name {
			return T(i), true
		}
	}
	return zero, false
}

// valid lists the values 1 to n-1: every value of a type whose zero is not a word.
func valid[T ~uint8](n int) []T {
	out := make([]T, 0, n-1)
	for i := 1; i < n; i++ {
		out = append(out, T(i))
	}
	return out
}

// Every kind, reason, role and message type has exactly one row in its table: adding a
// constant without its row (or a row without its constant) does not compile.
var (
	_ = [1]struct{}{}[len(eventKinds)-int(eventKindCount)]
	_ = [1]struct{}{}[len(reasons)-int(reasonCount)]
	_ = [1]struct{}{}[len(roles)-int(roleCount)]
	_ = [1]struct{}{}[len(msgTypes)-int(msgTypeCount)]
)
