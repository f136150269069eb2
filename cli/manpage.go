package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The man page is written here rather than by fang's generator (mango),
// which made every line of a command's help its own paragraph and had no
// EXIT STATUS or ENVIRONMENT section. It is generated from the command
// tree, so it cannot drift from the commands and flags; the release
// writes it with `stackwiz man` (.goreleaser.yaml) and the cask installs
// it.

// exitStatuses are the process's exit statuses as the man page states
// them. TestManPageStatesEveryExitStatus fails when a constant exit* of
// package cli has no line here.
var exitStatuses = []struct {
	code    int
	meaning string
}{
	{exitOK, "Success. For `status`, the stack is healthy: every step is done and every resource was checked and is well."},
	{exitFailure, "Failure: the command could not do what it was asked (AWS refused or failed, the stack is locked by another run, a `doctor` check failed). For `status`, the stack is unhealthy: a step is not done, or a resource is missing, unhealthy, drifted or not recorded, or an alarm e-mail subscription is not confirmed."},
	{exitUsage, "Bad usage: an unknown command or flag, a bad flag value, an invalid stack spec (every problem is listed, field by field), no such stack, or credentials or a region of another account than the stack's."},
	{3, "`status` only: the stack could not be checked (credentials, the network, the endpoint, a denied permission), so it may be healthy or not; nothing that was checked was wrong."},
}

// environment lists the variables stackwiz reads, as the man page states
// them. TestManPageStatesEveryVariableRead fails when the code reads one
// that is not here.
var environment = []struct {
	names   []string
	meaning string
}{
	{[]string{"STACKWIZ_STATE_DIR"}, "The state dir when --state-dir is not given."},
	{[]string{"XDG_STATE_HOME"}, "Without STACKWIZ_STATE_DIR, the state dir is $XDG_STATE_HOME/stackwiz when it is an absolute path, else ~/.local/state/stackwiz."},
	{[]string{"STACKWIZ_CONFIG_DIR"}, "Where the console remembers the stack last chosen in its switcher (console.json); default the user's config dir, $XDG_CONFIG_HOME/stackwiz or ~/.config/stackwiz."},
	{[]string{"XDG_CONFIG_HOME"}, "Without STACKWIZ_CONFIG_DIR, the console's choice is kept under $XDG_CONFIG_HOME/stackwiz when it is set."},
	{[]string{"STACKWIZ_DEBUG"}, "Any value but empty, 0 or false does what --debug does."},
	{[]string{"STACKWIZ_READ_ONLY"}, "Any value but empty, 0 or false opens the console for watching only, as --read-only does: no action changes the stack."},
	{[]string{"STACKWIZ_SANDBOX_SPEED"}, "How many times faster than AWS the embedded sandbox (--sandbox) runs: a positive number, default 30."},
	{[]string{"STACKWIZ_SANDBOX_LATENCY"}, "The embedded sandbox's latency profile: realistic (the default: AWS-like durations, sped up) or instant."},
	{[]string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}, "The AWS profile when --profile is not given."},
	{[]string{"AWS_REGION", "AWS_DEFAULT_REGION"}, "The region when neither --region nor the spec names one; else the profile's."},
	{[]string{"AWS_ENDPOINT_URL"}, "Send every AWS call to this endpoint, as --endpoint-url does."},
	{[]string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"}, "The AWS config and credentials files (default ~/.aws/config and ~/.aws/credentials), read for profiles and for the completion of --profile."},
	{[]string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}, "Credentials, read by the AWS SDK with the rest of its default chain (SSO, roles, the instance's role). stackwiz never stores them."},
	{[]string{"USER", "USERNAME"}, "Who holds the lease apply and destroy take on the stack in the account, as another run that has to wait is told."},
	{[]string{"NO_COLOR"}, "Any value turns colours off; bold and underline stay."},
}

// flagValueNames are the placeholders the man page shows for the values of
// flags, by flag name; others are named by their type.
var flagValueNames = map[string]string{
	"stack": "NAME", "profile": "NAME", "region": "REGION", "endpoint-url": "URL",
	"state-dir": "DIR", "debug-file": "FILE", "file": "FILE", "addr": "HOST:PORT",
	"data": "DIR", "latency": "PROFILE", "speed": "N",
}

func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "man",
		Short:  "Print the man page (roff), as the release installs it",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeManPage(cmd.OutOrStdout(), cmd.Root(), currentBuild())
		},
	}
}

// writeManPage writes the man page of root in roff (man macros). Its date
// is the commit's, so a release's page is reproducible.
func writeManPage(w io.Writer, root *cobra.Command, b build) error {
	var m manWriter
	day := ""
	if t, err := time.Parse(time.RFC3339, b.Date); err == nil {
		day = t.UTC().Format("2006-01-02")
	}
	m.macro("TH", "STACKWIZ", "1", day, "stackwiz "+b.Version, "User Commands")
	// No hyphenation: a flag or a path broken across lines cannot be
	// copied.
	m.macro("nh")

	m.section("NAME")
	m.text(root.Name() + " - " + lowerFirst(root.Short))

	m.section("SYNOPSIS")
	m.raw(`\fBstackwiz\fR [\fIglobal options\fR] [\fIcommand\fR] [\fIoptions\fR]`)

	m.section("DESCRIPTION")
	m.paragraphs(root.Long)
	m.macro("PP")
	m.text("Run without a command, stackwiz opens the wizard until the stack is complete, then the console. Every command accepts the global options.")

	m.section("GLOBAL OPTIONS")
	m.flags(root.Flags(), root.PersistentFlags())

	m.section("COMMANDS")
	for _, c := range manCommands(root) {
		m.command(c)
	}

	m.section("EXIT STATUS")
	for _, e := range exitStatuses {
		m.macro("TP")
		m.raw(fmt.Sprintf(`\fB%d\fR`, e.code))
		m.text(e.meaning)
	}

	m.section("ENVIRONMENT")
	for _, e := range environment {
		m.macro("TP")
		names := make([]string, len(e.names))
		for i, n := range e.names {
			names[i] = `\fB` + escapeRoff(n) + `\fR`
		}
		m.raw(strings.Join(names, ", "))
		m.text(e.meaning)
	}

	m.section("FILES")
	m.macro("TP")
	m.raw(`\fI<state dir>\fR/\fI<name>\fR.stack.json`)
	m.text("The local record of stack <name>: what was built, with ids, and the spec it was built from. Beside it, its lock and settings.")
	m.macro("TP")
	m.raw(`\fI<state dir>\fR/wizard/draft.json`)
	m.text("The wizard's answers so far, so a wizard that was quit or killed reopens where it stopped.")
	m.macro("TP")
	m.raw(`~/.config/stackwiz/console.json`)
	m.text("The stack last chosen in the console's switcher (o), by state dir: opened when the console starts without --stack and several stacks are recorded.")
	m.macro("TP")
	m.raw(`\fI<state dir>\fR/world/`)
	m.text("The embedded sandbox's resources (--sandbox).")

	m.section("EXAMPLES")
	m.literal(root.Example)

	m.section("SEE ALSO")
	m.raw(`\fBaws\fR(1); https://github.com/stackwiz/stackwiz (README.md, docs/)`)

	_, err := io.WriteString(w, m.buf.String())
	return err
}

// manCommands returns the commands the man page describes, depth first:
// every one a user can run, without help and the hidden ones.
func manCommands(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range c.Commands() {
		if sub.Hidden || sub.Name() == "help" || !sub.IsAvailableCommand() {
			continue
		}
		out = append(out, sub)
		out = append(out, manCommands(sub)...)
	}
	return out
}

type manWriter struct {
	buf strings.Builder
}

// raw writes one line of roff as it is.
func (m *manWriter) raw(line string) {
	m.buf.WriteString(line)
	m.buf.WriteByte('\n')
}

// macro writes a request with its arguments quoted.
func (m *manWriter) macro(name string, args ...string) {
	m.buf.WriteString("." + name)
	for _, a := range args {
		m.buf.WriteString(` "` + strings.ReplaceAll(escapeRoff(a), `"`, `\(dq`) + `"`)
	}
	m.buf.WriteByte('\n')
}

func (m *manWriter) section(name string) { m.macro("SH", name) }

// text writes prose: filled by roff, `code` in bold.
func (m *manWriter) text(s string) {
	m.raw(inlineRoff(s))
}

// paragraphs writes help text as roff paragraphs: a blank line separates
// paragraphs, lines of a paragraph are filled into one, and indented lines
// (a table, commands) stay as they are.
func (m *manWriter) paragraphs(s string) {
	for i, para := range splitParagraphs(s) {
		if i > 0 {
			m.macro("PP")
		}
		var literal []string
		flush := func() {
			if len(literal) > 0 {
				m.literal(strings.Join(literal, "\n"))
				literal = nil
			}
		}
		for _, line := range para {
			if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				literal = append(literal, line)
				continue
			}
			flush()
			m.text(line)
		}
		flush()
	}
}

// literal writes lines unfilled and indented, without their common
// indentation.
func (m *manWriter) literal(s string) {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	m.macro("RS", "4")
	m.macro("nf")
	for _, l := range lines {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		m.raw(escapeRoff(l))
	}
	m.macro("fi")
	m.macro("RE")
}

// command writes one command: its use line, what it does, its own
// options and its examples.
func (m *manWriter) command(c *cobra.Command) {
	use := c.CommandPath()
	if _, rest, ok := strings.Cut(c.Use, " "); ok {
		use += " " + rest
	}
	m.macro("SS", use)
	m.text(sentence(c.Short))
	if c.Long != "" {
		m.macro("PP")
		m.paragraphs(c.Long)
	}
	var own []*pflag.Flag
	c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" && !f.Hidden {
			own = append(own, f)
		}
	})
	if len(own) > 0 {
		m.macro("PP")
		m.text("Options:")
		m.macro("RS", "4")
		for _, f := range own {
			m.flag(f)
		}
		m.macro("RE")
	}
	if c.Example != "" {
		m.macro("PP")
		m.text("Examples:")
		m.literal(c.Example)
	}
}

// flags writes the flags of the sets, each once, sorted as pflag sorts.
func (m *manWriter) flags(sets ...*pflag.FlagSet) {
	seen := map[string]bool{}
	all := pflag.NewFlagSet("", pflag.ContinueOnError)
	for _, s := range sets {
		s.VisitAll(func(f *pflag.Flag) {
			if !seen[f.Name] && f.Name != "help" && !f.Hidden {
				seen[f.Name] = true
				all.AddFlag(f)
			}
		})
	}
	all.VisitAll(m.flag)
}

// flag writes one flag as a tagged paragraph: -f, --file FILE, then its
// usage and its default. A default that is an absolute path (the state
// dir) is the building machine's, not the reader's, and is left out.
func (m *manWriter) flag(f *pflag.Flag) {
	m.macro("TP")
	head := `\fB\-\-` + escapeRoff(f.Name) + `\fR`
	if f.Shorthand != "" {
		head = `\fB\-` + escapeRoff(f.Shorthand) + `\fR, ` + head
	}
	if f.Value.Type() != "bool" {
		name := flagValueNames[f.Name]
		if name == "" {
			name = strings.ToUpper(f.Value.Type())
		}
		head += ` \fI` + escapeRoff(name) + `\fR`
	}
	m.raw(head)
	usage := sentence(f.Usage)
	if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "[]" && !filepath.IsAbs(d) {
		usage += " Default: " + d + "."
	}
	m.text(usage)
}

// splitParagraphs splits text on blank lines into paragraphs of lines.
func splitParagraphs(s string) [][]string {
	var out [][]string
	var cur []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// roffChars are the characters roff would take as its own, or that are
// better named than left to the reader's locale.
var roffChars = strings.NewReplacer(
	`\`, `\e`,
	"-", `\-`,
	"—", `\(em`,
	"–", `\(en`,
	"×", `\(mu`,
	"→", `\(->`,
	"…", `\&...`,
)

// escapeRoff makes s plain text in roff: backslashes and dashes escaped, a
// leading dot or quote (a request) defused.
func escapeRoff(s string) string {
	s = roffChars.Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// inlineRoff escapes s and sets `code` spans in bold.
func inlineRoff(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // an unmatched backtick stays one
		return escapeRoff(s)
	}
	var b strings.Builder
	for i, p := range parts {
		p = roffChars.Replace(p)
		if i%2 == 1 {
			b.WriteString(`\fB` + p + `\fR`)
		} else {
			b.WriteString(p)
		}
	}
	out := b.String()
	if strings.HasPrefix(out, ".") || strings.HasPrefix(out, "'") {
		out = `\&` + out
	}
	return out
}

// sentence makes a help line a sentence: a capital first and a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "AWS") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
