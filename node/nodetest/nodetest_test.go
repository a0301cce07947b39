package nodetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStartElectsALeaderAndStops(t *testing.T) {
	c := Start(t, nil)
	lead := c.Leader()
	assert.Len(t, c.URLs, 3)
	c.Stop(lead)
	c.Stop(lead) // a second Stop is harmless
	next := c.Leader()
	assert.NotEqual(t, lead, next, "the two left elect another leader")
}
