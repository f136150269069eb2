package console

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// postFaults sets the sandbox's faults (POST /_sandbox/faults).
func postFaults(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url+"/_sandbox/faults", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST /_sandbox/faults: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sandbox/faults %s: %s", body, resp.Status)
	}
}

var asOf = regexp.MustCompile(`healthy as of \d\d:\d\d:\d\d \((\d+)s ago\)`)

// TestConsoleInTmuxShowsThrottlingAsItHappens throttles every read of the
// group (POST /_sandbox/faults) under the built binary's console: while
// the SDK retries, the screen keeps changing — the verdict is dated "as
// of … (Ns ago)" with N growing, the status names the retry and AWS's
// error — and once the throttling stops the verdict is current again.
func TestConsoleInTmuxShowsThrottlingAsItHappens(t *testing.T) {
	dir := t.TempDir()
	bin := consoleBinary(t)
	stateDir, url, _ := servedWorld(t, dir, false)
	p := startPane(t, dir, "stale", consoleEnv(dir)+" "+bin+" console --state-dir "+stateDir+" --endpoint-url "+url)
	waitText(p, "the console's live view", "● healthy", "2/2 in service")

	postFaults(t, url, `{"operations": {"autoscaling:DescribeAutoScalingGroups": {"throttle_rate": 1}}}`)
	s := waitText(p, "the retry named as it happens", "STALE", "of DescribeAutoScalingGroups: Throttling")
	first := waitFor(p, "the verdict dated", func(s string) bool { return asOf.MatchString(s) })
	n1 := asOf.FindStringSubmatch(first)[1]
	waitFor(p, "the age to grow while nothing new arrives", func(s string) bool {
		m := asOf.FindStringSubmatch(s)
		return m != nil && len(m[1]) >= len(n1) && m[1] != n1
	})
	if strings.Contains(s, "nothing is lost") {
		t.Errorf("the console uses apply's words for a throttled refresh:\n%s", s)
	}

	postFaults(t, url, `{}`)
	waitFor(p, "the verdict current again", func(s string) bool {
		return strings.Contains(s, "● healthy:") && !strings.Contains(s, " as of ") && !strings.Contains(s, "STALE")
	})
}
