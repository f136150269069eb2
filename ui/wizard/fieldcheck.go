package wizard

import (
	"cmp"
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/steps"
)

// A form shows a field's problems once the user has had a chance to answer:
// a field that is still empty and was never left is not yet "required",
// and choosing HTTPS does not flag the two fields it has just shown. A
// field is touched when the focus leaves it or enter is pressed on it;
// submitting the step touches them all. Problems are worded with the
// field's title as the form shows it, and a problem the whole-spec
// validation reports on a field the wizard never shows (the subnet sizes)
// is moved onto the field that changes it, with the size it needs.

// fieldTitle is the title of the field at path, or the path itself for a
// field no form shows.
func fieldTitle(path string) string {
	base, _, _ := strings.Cut(path, "[")
	if t, ok := fieldTitles[base]; ok {
		return t
	}
	return path
}

// sentence puts a problem after its field's title: "Stack name is
// required: …", "CIDR: 10.0.0.1/16 has host bits set: …".
func (p problem) sentence() string {
	title := fieldTitle(p.Path)
	text := inFormWords(p.Text, p.Path)
	if strings.HasPrefix(text, "is ") || strings.HasPrefix(text, "must ") {
		return title + " " + text
	}
	return title + ": " + text
}

// inFormWords says a problem the way the form shows its fields: "set
// name: to a short name" becomes "type a short name", and another field's
// spec path ("greater than autoscaling.max") its title ("Max").
func inFormWords(text, path string) string {
	text = strings.ReplaceAll(text, "set "+path+": to ", "type ")
	for spec, title := range fieldTitles {
		if strings.Contains(spec, ".") && strings.Contains(text, spec) {
			text = replaceWord(text, spec, title)
		}
	}
	return text
}

// replaceWord replaces whole occurrences of old (not part of a longer
// path such as autoscaling.max_size).
func replaceWord(text, old, repl string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, old)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(old)
		sentenceEnd := end < len(text) && text[end] == '.' && (end+1 == len(text) || text[end+1] == ' ')
		whole := (end == len(text) || !isPathByte(text[end]) || sentenceEnd) && (i == 0 || !isPathByte(text[i-1]))
		b.WriteString(text[:i])
		if whole {
			b.WriteString(repl)
		} else {
			b.WriteString(old)
		}
		text = text[end:]
	}
}

func isPathByte(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// shown reports whether the open form shows p now: not while its field is
// blank and untouched, unless the step was submitted.
func (m *Model) shown(p problem) bool {
	base, _, _ := strings.Cut(p.Path, "[")
	return m.submitted || m.touched[base] || !m.answers.isEmpty(base)
}

// touch marks a field of the open form as answered once.
func (m *Model) touch(path string) {
	if path == "" {
		return
	}
	if m.touched == nil {
		m.touched = map[string]bool{}
	}
	m.touched[path] = true
}

// formProblems are the open step's problems as its form shows them.
func (m *Model) formProblems() []problem {
	var out []problem
	for _, p := range checkStep(m.formStep, m.answers, m.draft, m.env()) {
		if m.shown(p) {
			out = append(out, p)
		}
	}
	return out
}

// fieldCheck returns the validator of one field of step's form: the
// blocking problems checkStep finds at path, cross-field ones included,
// so that enter stays on the field a problem names.
func (m *Model) fieldCheck(step steps.StepID) func(path string) error {
	return func(path string) error {
		var errs []string
		for _, p := range checkStep(step, m.answers, m.draft, m.env()) {
			if base, _, _ := strings.Cut(p.Path, "["); base == path && !p.Warning {
				errs = append(errs, p.sentence())
			}
		}
		if len(errs) == 0 {
			return nil
		}
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
}

// isNextKey reports whether a key asks a field to move on (enter, tab).
func isNextKey(msg tea.KeyPressMsg) bool {
	s := msg.String()
	return s == "enter" || s == "tab"
}

// heldBack notes, after enter or tab went to the form, a field that
// refused to move on, so the panel says why until the next key.
func (m *Model) heldBack(before string) {
	if m.form == nil || m.form.State != huh.StateNormal {
		return
	}
	f := m.form.GetFocusedField()
	if f == nil || f.GetKey() != before || f.Error() == nil {
		return
	}
	m.touch(before)
	m.stuck = m.stuckText(before, f.Error())
}

// groupHeldBack handles a page of the form that refused to give way to
// the next (a field on it is invalid): huh leaves the last field blurred,
// so it is focused again, and the panel says which field holds the page.
func (m *Model) groupHeldBack(msg tea.Msg, before string) tea.Cmd {
	if fmt.Sprintf("%T", msg) != "huh.nextGroupMsg" || m.form == nil || m.form.State != huh.StateNormal {
		return nil
	}
	f := m.form.GetFocusedField()
	if f == nil || f.GetKey() != before {
		return nil
	}
	errs := m.form.Errors()
	if len(errs) == 0 {
		return nil
	}
	m.touch(before)
	for _, p := range checkStep(m.formStep, m.answers, m.draft, m.env()) {
		if !p.Warning {
			base, _, _ := strings.Cut(p.Path, "[")
			m.touch(base)
		}
	}
	m.stuck = m.stuckText(before, errs[0])
	return f.Focus()
}

// stuckText says why enter did not move on, naming the field.
func (m *Model) stuckText(path string, err error) string {
	for _, p := range m.formProblems() {
		if base, _, _ := strings.Cut(p.Path, "["); !p.Warning && base == path {
			return "enter stays here until this is fixed — " + p.sentence()
		}
	}
	return "enter stays here until this is fixed — " + err.Error()
}

// userWords moves a problem that whole-spec validation reports on a field
// the wizard does not show onto the field the user can change, saying
// what is needed and why. ok is false when the problem is left as it is.
func userWords(fe spec.FieldError, s *spec.Spec) (spec.FieldError, bool) {
	if fe.Path == "load_balancer.https" && s.LoadBalancer.HTTPS && (s.DNS.Zone == "" || s.DNS.Record == "") {
		// HTTPS was chosen: what is missing is the zone or the name, the
		// fields the form shows under it.
		path, what := "dns.record", "is empty but HTTPS needs it"
		fix := "type the name the certificate is for, inside the hosted zone, like api." + strings.TrimSuffix(cmp.Or(s.DNS.Zone, "example.com"), ".")
		if s.DNS.Zone == "" {
			path, fix = "dns.zone", "name the hosted zone the certificate is validated in, like example.com"
		}
		return spec.FieldError{Path: path, Severity: fe.Severity, Problem: what, Fix: fix}, true
	}
	n := s.Network
	hidden := fe.Path == "network.private_subnet_bits" || fe.Path == "network.public_subnet_bits"
	tooSmall := fe.Path == "network.cidr" && strings.Contains(fe.Problem, "too small")
	if !hidden && !tooSmall {
		return fe, false
	}
	vpc, err := netip.ParsePrefix(strings.TrimSpace(n.CIDR))
	if err != nil || n.AZs < 1 || n.PrivateSubnetBits < 1 || n.PublicSubnetBits < 1 ||
		n.PrivateSubnetBits > 32 || n.PublicSubnetBits > 32 {
		return fe, false
	}
	if hidden && strings.Contains(fe.Problem, "instances") {
		// Each AZ's subnet holds fewer instances than max spreads over it:
		// what the wizard lets the user change is max.
		bits := n.PrivateSubnetBits
		if n.NAT == spec.NATNone {
			bits = n.PublicSubnetBits
		}
		most := ((1 << (32 - bits)) - 5) * n.AZs
		return spec.FieldError{Path: "autoscaling.max", Severity: fe.Severity,
			Problem: fmt.Sprintf("is more than the %d instances the stack's subnets hold (a /%d per AZ, of which AWS keeps 5 addresses)", most, bits),
			Fix:     fmt.Sprintf("use %d or less", most)}, true
	}
	need := n.AZs * ((1 << (32 - n.PrivateSubnetBits)) + (1 << (32 - n.PublicSubnetBits)))
	prefix := 32 - bits.Len(uint(need-1))
	suggest := netip.PrefixFrom(vpc.Addr(), prefix).Masked()
	return spec.FieldError{Path: "network.cidr", Value: n.CIDR, Severity: fe.Severity,
		Problem: fmt.Sprintf("%s is too small: each of the %d AZs gets a private /%d and a public /%d subnet, %s addresses in all, and a /%d holds %s",
			vpc, n.AZs, n.PrivateSubnetBits, n.PublicSubnetBits, thousands(need), vpc.Bits(), thousands(1<<(32-vpc.Bits()))),
		Fix: fmt.Sprintf("use a /%d or larger, like %s", prefix, suggest)}, true
}

// thousands writes n with thousands separators: 8,704.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
