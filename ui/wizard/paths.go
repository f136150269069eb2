package wizard

import (
	"path/filepath"

	"github.com/stackwiz/stackwiz/spec"
)

// Script paths (instance.user_data, ami.setup_script) stay as the user
// typed them in the answers, the draft and the stack.yaml the review
// saves: ./start.sh is still ./start.sh when the file is read back beside
// it. The engine gets them resolved against the working directory, so
// that the plan, the apply and the stack's record name the same file
// wherever stackwiz is started next.

// resolved returns p resolved against dir, unless it is empty or absolute.
func resolved(p, dir string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// engineSpec is the draft as the engine gets it: script paths absolute.
func (m *Model) engineSpec() *spec.Spec {
	sp := *m.draft
	sp.AMI.SetupScript = resolved(sp.AMI.SetupScript, m.d.WorkDir)
	sp.Instance.UserData = resolved(sp.Instance.UserData, m.d.WorkDir)
	return &sp
}

// specYAMLFor is the draft's stack.yaml to be saved in dir: relative
// script paths rewritten relative to dir when it is not the working
// directory they were typed in.
func (m *Model) specYAMLFor(dir string) (string, error) {
	sp := *m.draft
	sp.AMI.SetupScript = rebase(sp.AMI.SetupScript, m.d.WorkDir, dir)
	sp.Instance.UserData = rebase(sp.Instance.UserData, m.d.WorkDir, dir)
	y, err := sp.YAML()
	return string(y), err
}

// rebase rewrites a path relative to from as relative to to.
func rebase(p, from, to string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	fromAbs, err1 := filepath.Abs(from)
	toAbs, err2 := filepath.Abs(to)
	if err1 != nil || err2 != nil || fromAbs == toAbs {
		return p
	}
	rel, err := filepath.Rel(toAbs, filepath.Join(fromAbs, p))
	if err != nil {
		return filepath.Join(fromAbs, p)
	}
	if !filepath.IsLocal(rel) {
		return rel
	}
	return "./" + rel
}
