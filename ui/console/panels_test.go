package console

import (
	"testing"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// Every part a snapshot reads is named by a panel (its shows): a gap in
// it is then a line in that panel and words of the verdict, not a line
// without a name counted against the first tab.
func TestEveryPartIsShownByAPanel(t *testing.T) {
	for _, p := range fleet.Parts() {
		if _, ok := partPanel(p); !ok || partLabels[p] == "" {
			t.Errorf("no panel shows the part %q: add it to a panel's shows()", p)
		}
	}
}
