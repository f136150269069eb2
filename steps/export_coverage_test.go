package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"path/filepath"
	"testing"
)

// TestEveryStepThatMakesResourcesExportsItsScript fails when a step makes
// resources but has no AWS CLI script: `export cli` would leave it out of
// the script without a word.
func TestEveryStepThatMakesResourcesExportsItsScript(t *testing.T) {
	var specs []*spec.Spec
	for _, name := range []string{"minimal", "ha"} {
		s, err := spec.Load(filepath.Join("..", "examples", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, s)
	}
	for _, st := range All() {
		if _, ok := st.(scripter); ok {
			continue
		}
		for _, s := range specs {
			if st.Enabled(s) && len(st.Desired(s)) > 0 {
				t.Errorf("step %s makes %d resources for %s but has no Script: export cli would skip it", st.ID(), len(st.Desired(s)), s.Name)
			}
		}
	}
}
