// Package share stores scenarios behind short links: the playground's Share button
// posts the scenario it shows, gets back an id, and /s/{id} opens the playground on that
// scenario again, on any machine.
//
// An id is content-addressed: it is derived from the scenario itself (the first 16 bytes
// of the SHA-256 of its canonical JSON, in lowercase base32), so sharing the same
// scenario twice gives the same link, a stored scenario can never change under its id,
// and an id says nothing about who made it or when.
//
// The same routes (see Register) run in both hosts of the playground: `raftplay serve`
// keeps the scenarios in a folder (Dir), the Cloudflare Worker in Workers KV. Both
// implement Store.
package share

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"

	"github.com/raftplay/raftplay/sim"
)

// MaxBody is the largest scenario, in bytes, that POST /api/share accepts. A scenario a
// learner builds by hand in the page is a few KiB.
const MaxBody = 64 << 10

// ErrNotFound is returned by Store.Get for an id that holds no scenario.
var ErrNotFound = errors.New("share: no scenario under this id")

// ErrTooLarge is wrapped by the error about a scenario over MaxBody.
var ErrTooLarge = errors.New("share: scenario too large")

// ErrID is wrapped by every error about a malformed id.
var ErrID = errors.New("share: malformed id")

// Store keeps shared scenarios by id. Implementations are safe for concurrent use.
type Store interface {
	// Put stores data under id. Putting the same id again with the same data is
	// harmless (ids are content-addressed, so the data is always the same).
	Put(ctx context.Context, id string, data []byte) error
	// Get returns the data stored under id, or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) ([]byte, error)
}

// idBytes is how many bytes of the SHA-256 an id keeps: 128 bits, so that no two
// scenarios ever share an id by chance.
const idBytes = 16

// IDLen is the length of an id: 16 bytes in unpadded base32.
const IDLen = (idBytes*8 + 4) / 5

// idEncoding is base32 in lowercase, unpadded: ids are case-free and URL-safe.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ID returns the id of canonical, the canonical JSON of a scenario (see Canonical).
func ID(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return idEncoding.EncodeToString(sum[:idBytes])
}

// CheckID reports whether id is well formed: exactly IDLen characters of a-z and 2-7
// that ID could have made. It wraps ErrID otherwise, so an id checked here is safe to
// use as a file name or a key.
func CheckID(id string) error {
	if len(id) != IDLen {
		return fmt.Errorf("%w: %q has %d characters, want %d", ErrID, clip(id), len(id), IDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return fmt.Errorf("%w: %q has %q at position %d (ids use a-z and 2-7)", ErrID, id, c, i)
		}
	}
	// 26 characters carry 130 bits; the last 2 must be zero for the id to be one that
	// ID makes, so that each scenario has exactly one spelling of its id.
	var raw [idBytes]byte
	if n, err := idEncoding.Decode(raw[:], []byte(id)); err != nil || n != idBytes || idEncoding.EncodeToString(raw[:]) != id {
		return fmt.Errorf("%w: %q is not the base32 of %d bytes", ErrID, id, idBytes)
	}
	return nil
}

// clip shortens a long input for an error message.
func clip(s string) string {
	const most = 40
	if len(s) > most {
		return s[:most] + "..."
	}
	return s
}

// Canonical validates a scenario (sim.ParseScenario: JSON, version, options, actions)
// and returns its canonical JSON (as sim.Scenario.Marshal writes it, so that two
// spellings of the same scenario get the same bytes) and the id of those bytes.
// Errors wrap sim.ErrScenario; an input that is not JSON at all also wraps a
// *json.SyntaxError, and one over MaxBody (as given or in canonical form) ErrTooLarge.
func Canonical(body []byte) (canonical []byte, id string, err error) {
	if len(body) > MaxBody {
		return nil, "", fmt.Errorf("%w: %w: %d bytes is larger than the limit of %d", sim.ErrScenario, ErrTooLarge, len(body), MaxBody)
	}
	sc, err := sim.ParseScenario(body)
	if err != nil {
		return nil, "", err
	}
	canonical, err = sc.Marshal()
	if err != nil {
		return nil, "", err
	}
	// Marshal spells out what the input left to defaults, so the canonical form can be
	// longer than the input; it is what gets stored, so the limit holds for it too.
	if len(canonical) > MaxBody {
		return nil, "", fmt.Errorf("%w: %w: %d bytes once defaults are spelled out, larger than the limit of %d", sim.ErrScenario, ErrTooLarge, len(canonical), MaxBody)
	}
	return canonical, ID(canonical), nil
}
