package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// What the console shows of a part it cannot read. A part denied by a
// policy or not implemented by the endpoint (fleet.PartStatus.Gap) is
// not a refresh that failed: asking again in 5 s gives the same answer, so
// it never turns the header STALE. Its panel says in one line what hides
// it and how to fix it, its tab is marked, and the verdict says the
// picture is partial instead of claiming health it could not see.

// policyFile is where the permissions stackwiz needs are written down.
const policyFile = "docs/iam-policy.json"

// gapMark marks a tab whose panel cannot be read.
const gapMark = "⊘"

// partPanel is the tab a part shows in, for the parts drawn inside
// another part's panel (a section or a column).
func partPanel(p fleet.Part) (view, bool) {
	for i, pn := range panels {
		for _, s := range pn.shows() {
			if s.part == p {
				return view(i), true
			}
		}
	}
	return 0, false
}

// gapText is the one line about a part that cannot be read: the IAM action
// to allow, or the operation and endpoint that lack it.
func gapText(st fleet.PartStatus) string {
	label := partLabels[st.Part]
	switch st.State {
	case fleet.PartDenied:
		action := st.Action
		if action == "" {
			action = "a permission"
		}
		return fmt.Sprintf("%s hidden: %s denied — allow it (%s)", label, action, policyFile)
	case fleet.PartUnsupported:
		return label + ": " + st.Detail
	}
	return ""
}

// gapLines is a panel replaced by its gap: the line, then when it is asked
// again.
func gapLines(st fleet.PartStatus, now time.Time) []line {
	next := st.Checked.Add(fleet.GapRetry)
	when := "asked again every " + dur(fleet.GapRetry)
	if !st.Checked.IsZero() {
		when += " (next " + clock(next, now) + ")"
	}
	return []line{{text: gapText(st), tone: toneWarn}, {text: when + " · r asks now", tone: toneMuted}}
}

// panelGap returns the gap that replaces tab v's panel, if any.
func panelGap(s *fleet.Snapshot, v view) (fleet.PartStatus, bool) {
	p := panels[v].part()
	if p == "" || s == nil {
		return fleet.PartStatus{}, false
	}
	st := s.Part(p)
	return st, st.Gap()
}

// gapFacts are the verdict's words for what the snapshot could not read:
// the panels unavailable, then the sections and columns hidden in panels
// that show.
func gapFacts(s *fleet.Snapshot) (facts []string, n int) {
	var names, hidden []string
	gapped := map[view]bool{}
	for _, st := range s.Gaps() {
		if v, ok := partPanel(st.Part); ok && panels[v].part() == st.Part {
			gapped[v] = true
			names = append(names, panels[v].name())
		}
	}
	for _, st := range s.Gaps() {
		if v, _ := partPanel(st.Part); panels[v].part() != st.Part && !gapped[v] {
			hidden = append(hidden, partLabels[st.Part])
		}
	}
	if len(names) > 0 {
		facts = append(facts, plural(len(names), "panel")+" unavailable ("+strings.Join(names, ", ")+")")
	}
	if len(hidden) > 0 {
		facts = append(facts, strings.Join(hidden, ", ")+" hidden")
	}
	return facts, len(names) + len(hidden)
}

// columnGaps are the lines over the instances table for the columns it
// cannot fill (shown as ?).
func columnGaps(s *fleet.Snapshot) []line {
	var out []line
	for _, p := range []fleet.Part{fleet.PartInstances, fleet.PartTargets, fleet.PartMetrics} {
		if st := s.Part(p); st.Gap() {
			out = append(out, line{text: "? " + gapText(st), tone: toneWarn})
		}
	}
	return out
}

// unknown is what a cell shows when its part cannot be read.
const unknown = "?"

// wrapWords breaks plain text into lines of at most width cells at spaces
// only (a path or a URL stays whole; one longer than width is cut when
// drawn).
func wrapWords(s string, width int) []string {
	var out []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case textWidth(cur)+1+textWidth(w) <= width:
			cur += " " + w
		default:
			out = append(out, cur)
			cur = w
		}
	}
	return append(out, cur)
}
