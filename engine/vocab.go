package engine

import "fmt"

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

// nameOf is v's name in terms, or kind(v) for a value without one.
func nameOf[T ~uint8](terms []term, v T, kind string) string {
	if int(v) < len(terms) {
		return terms[v].name
	}
	return fmt.Sprintf("%s(%d)", kind, uint8(v))
}

// ruleOf is the rule v cites, or "" for a value without one.
func ruleOf[T ~uint8](terms []term, v T) string {
	if int(v) < len(terms) {
		return terms[v].rule
	}
	return ""
}

// parseTerm finds name among terms from index first on (1 where the zero value, such
// as EventInvalid, is not a word).
func parseTerm[T ~uint8](terms []term, name string, first int) (T, bool) {
	for i := first; i < len(terms); i++ {
		if terms[i].name == name {
			return T(i), true
		}
	}
	return 0, false
}

// values lists the values first to n-1.
func values[T ~uint8](n, first int) []T {
	out := make([]T, 0, n-first)
	for i := first; i < n; i++ {
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
