package sim

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// A share link carries a scenario in the URL fragment, so the page can replay it
// without any server: "#s=1.<base64url of the scenario JSON>". The "1." is the
// encoding's version, apart from the scenario's own "v", so the encoding can change
// (say, to compress) while old links keep working.
const (
	shareKey     = "s="
	shareVersion = "1."
)

// ShareFragment returns the URL fragment (without the '#') that opens the playground
// on sc.
func ShareFragment(sc Scenario) (string, error) {
	data, err := sc.Marshal()
	if err != nil {
		return "", err
	}
	return shareKey + shareVersion + base64.RawURLEncoding.EncodeToString(data), nil
}

// ShareLink returns base (the playground's URL) with sc in its fragment.
func ShareLink(base string, sc Scenario) (string, error) {
	frag, err := ShareFragment(sc)
	if err != nil {
		return "", err
	}
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base = base[:i]
	}
	return base + "#" + frag, nil
}

// ParseShareFragment decodes a fragment made by ShareFragment (a leading '#' is
// allowed) and validates the scenario in it.
func ParseShareFragment(fragment string) (Scenario, error) {
	frag := strings.TrimPrefix(fragment, "#")
	rest, ok := strings.CutPrefix(frag, shareKey)
	if !ok {
		return Scenario{}, fmt.Errorf("%w: share link: fragment does not start with %q", ErrScenario, shareKey)
	}
	version, payload, ok := strings.Cut(rest, ".")
	if !ok || version+"." != shareVersion {
		return Scenario{}, fmt.Errorf("%w: share link: unknown encoding version %q (this playground reads %q)", ErrScenario, version, strings.TrimSuffix(shareVersion, "."))
	}
	if base64.RawURLEncoding.DecodedLen(len(payload)) > MaxScenarioBytes {
		return Scenario{}, fmt.Errorf("%w: share link: %d bytes of scenario exceed the limit of %d", ErrScenario, base64.RawURLEncoding.DecodedLen(len(payload)), MaxScenarioBytes)
	}
	data, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Scenario{}, fmt.Errorf("%w: share link: payload is not base64url: %v", ErrScenario, err)
	}
	return ParseScenario(data)
}
