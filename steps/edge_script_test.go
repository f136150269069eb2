package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"os/exec"
	"strings"
	"testing"
)

func TestEdgeScriptsSayWhatApplyDoes(t *testing.T) {
	spec := newSpecT(t, httpsSpec)
	script := ExportCLI(spec, []Step{certificateStep{}, loadBalancerStep{}, dnsStep{}})
	for _, want := range []string{
		"aws acm request-certificate --domain-name app.example.com --validation-method DNS",
		"Key=stackwiz:stack,Value=web Key=stackwiz:step,Value=certificate Key=stackwiz:key,Value=certificate/app.example.com",
		`"Type":"CNAME","TTL":300`,
		"aws acm wait certificate-validated",
		"create-load-balancer --name web-alb --type application --scheme internet-facing",
		"--port 3000", "--health-check-path /", "--healthy-threshold-count 3", `'{"HttpCode":"200"}'`,
		"Key=deregistration_delay.timeout_seconds,Value=30",
		"RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}",
		"--ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06",
		`"HostedZoneId":"'"$ALB_ZONE_ID"'","DNSName":"dualstack.'"$ALB_DNS"'","EvaluateTargetHealth":true`,
		"HostedZones[?Name==`example.com.` && !Config.PrivateZone]",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	if strings.Count(script, "create-hosted-zone") != 2 || strings.Count(script, `if [ -z "${ZONE_ID:-}" ]`) != 2 {
		t.Error("both steps must look the zone up, guarded so it happens once")
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		cmd := exec.Command(bash, "-n")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v\n%s", err, out)
		}
	}
	http := ExportCLI(newSpecT(t, lbSpecHTTP), []Step{loadBalancerStep{}})
	if !strings.Contains(http, `--default-actions Type=forward,TargetGroupArn="$TG_ARN"`) || strings.Contains(http, "HTTPS") {
		t.Errorf("HTTP-only script:\n%s", http)
	}
}

func newSpecT(t *testing.T, yaml string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
