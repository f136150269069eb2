package console

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/ui/theme"
)

// tone is what a cell or a line means, drawn with the theme's role for it.
type tone uint8

const (
	toneNone tone = iota
	toneOK
	toneWarn
	toneBad
	toneInfo
	toneMuted
)

// style returns the theme's style for a tone.
func (t tone) style(s *theme.Styles) lipgloss.Style {
	switch t {
	case toneOK:
		return s.Success
	case toneWarn:
		return s.Warning
	case toneBad:
		return s.Error
	case toneInfo:
		return s.Info
	case toneMuted:
		return s.Muted
	}
	return s.Text
}

// paint is the styling of each tone as the escape sequences around a
// text, taken once from the theme: a table row is painted cell by cell,
// and lipgloss's Render measures every string it styles, which costs more
// than the rest of drawing a frame.
type paint struct {
	styles *theme.Styles
	// dark is the background the paint was taken for: the root rebuilds
	// the styles in place when the terminal reports its colour.
	dark   bool
	ready  bool
	around [toneMuted + 1][2]string
	sel    [2]string
}

// painter returns the paint of s, rebuilt when the theme changes.
func (p *paint) of(s *theme.Styles) *paint {
	if p.ready && p.styles == s && p.dark == s.Dark {
		return p
	}
	p.styles, p.dark, p.ready = s, s.Dark, true
	split := func(st lipgloss.Style) [2]string {
		const mark = "\u2063" // invisible separator: no style changes it
		out := st.Render(mark)
		before, after, ok := strings.Cut(out, mark)
		if !ok {
			return [2]string{}
		}
		return [2]string{before, after}
	}
	for t := range p.around {
		if tone(t) != toneNone { // plain text keeps the terminal's colour
			p.around[t] = split(tone(t).style(s))
		}
	}
	p.sel = split(s.Selected)
	return p
}

// apply wraps text in a tone's escape sequences.
func (p *paint) apply(t tone, text string) string {
	a := p.around[t]
	if a[0] == "" {
		return text
	}
	return a[0] + text + a[1]
}

// stateTone says what an AWS state word means to someone watching the
// stack: lifecycle states, health, target states, alarm states, activity
// and refresh statuses.
func stateTone(state string) tone {
	switch state {
	case "InService", "Healthy", "healthy", "OK", "Successful", "active", "ISSUED", "running":
		return toneOK
	case "Unhealthy", "unhealthy", "ALARM", "Failed", "failed", "RollbackFailed", "Terminated", "Detached",
		"unavailable", "active_impaired", "EXPIRED", "REVOKED", "Cancelled":
		return toneBad
	case "Standby", "draining", "unused", "INSUFFICIENT_DATA", "Cancelling", "RollbackInProgress",
		"Terminating", "Terminating:Wait", "Terminating:Proceed", "Detaching", "EnteringStandby", "shutting-down":
		return toneWarn
	case "Pending", "Pending:Wait", "Pending:Proceed", "initial", "InProgress", "PreInService", "provisioning",
		"WaitingForSpotInstanceId", "WaitingForInstanceId", "WaitingForELBConnectionDraining", "WaitingForInstanceWarmup",
		"MidLifecycleAction", "Baking", "PENDING_VALIDATION", "pending":
		return toneInfo
	}
	return toneNone
}

// ago puts a duration in the fewest useful characters: 45s, 12m, 3h05m, 4d06h.
func ago(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// sparkBlocks are the eight heights of a sparkline cell.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws CPU percentages (0–100, NaN for no data) one cell each,
// on an absolute scale so that two instances' lines compare.
func sparkline(points []float64) string {
	var b strings.Builder
	for _, v := range points {
		if math.IsNaN(v) {
			b.WriteRune('·')
			continue
		}
		i := int(v / 100 * float64(len(sparkBlocks)))
		b.WriteRune(sparkBlocks[max(0, min(len(sparkBlocks)-1, i))])
	}
	return b.String()
}

// lastValue is the newest point with data, or NaN.
func lastValue(points []float64) float64 {
	for i := len(points) - 1; i >= 0; i-- {
		if !math.IsNaN(points[i]) {
			return points[i]
		}
	}
	return math.NaN()
}

// percent writes a CPU value for a cell: "23%", or "–" without data.
func percent(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", v)
}

// plural writes "1 instance", "3 instances".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// clock writes a timestamp as the console shows it: time of day in UTC,
// with the date when it is not today's.
func clock(t, now time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02 15:04")
}

// shortARN keeps the readable end of an ARN: its resource.
func shortARN(arn string) string { return aws.ARNResource(arn) }

// dur writes a duration without zero units: 2m, 1h, 1m30s, 5s.
func dur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// orUnknown is ? when missing, else text.
func orUnknown(text string, missing bool) string {
	if missing {
		return unknown
	}
	return text
}
