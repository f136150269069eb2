package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/durations"
	"github.com/stackwiz/stackwiz/sandbox"
)

// The benchmarks of docs/benchmarks.md, with those of ui/console (the
// Instances view's render time and the console's peak RSS at 1,000
// instances): go test -run '^$' -bench . -benchtime 1x . ./ui/console
// Each prints its figures with b.ReportMetric, measured in one run.

// benchSpeed is how much faster than AWS the sandbox runs for the apply
// benchmarks: fast enough to finish in minutes, slow enough that the
// command-line's local polling (at most 1 s) is 10 s of AWS time, as
// AWS-paced polling is.
const benchSpeed = 10

// awsNode is one wait of a stack on AWS: how long it takes and what must
// be done before it can start. The graphs below are written from AWS's
// documented dependencies, not from stackwiz's engine, so that the ratio
// of a measured apply to their longest path cannot be 1 by construction.
type awsNode struct {
	took time.Duration
	deps []string
}

// criticalPath is the longest chain of waits in g, and the chain.
func criticalPath(g map[string]awsNode) (time.Duration, []string) {
	memo := map[string]time.Duration{}
	via := map[string]string{}
	var finish func(string) time.Duration
	finish = func(n string) time.Duration {
		if d, ok := memo[n]; ok {
			return d
		}
		var start time.Duration
		for _, dep := range g[n].deps {
			if f := finish(dep); f > start {
				start, via[n] = f, dep
			}
		}
		memo[n] = start + g[n].took
		return memo[n]
	}
	var end string
	var longest time.Duration
	for n := range g {
		if f := finish(n); f > longest || (f == longest && n < end) {
			longest, end = f, n
		}
	}
	var chain []string
	for n := end; n != ""; n = via[n] {
		chain = append([]string{fmt.Sprintf("%s (%s)", n, g[n].took)}, chain...)
	}
	return longest, chain
}

// applyGraph is what AWS must do for a stack, and in what order it can.
// healthy is the target group's healthy_threshold × interval_seconds.
func applyGraph(example string) map[string]awsNode {
	d := durations.AWS()
	n := func(took time.Duration, deps ...string) awsNode { return awsNode{took, deps} }
	switch example {
	case "minimal": // default VPC, latest image, HTTP, two instances
		return map[string]awsNode{
			"security groups":         n(0),
			"instance profile usable": n(d["iam-propagation"]),
			"launch template":         n(0, "instance profile usable", "security groups"),
			"load balancer active":    n(d["lb-provisioning"], "security groups"),
			"target group":            n(0),
			"instances running":       n(d["instance-pending"], "launch template", "target group"),
			"app answering":           n(d["app-boot"], "instances running"),
			"healthy in the group":    n(3*30*time.Second, "app answering", "load balancer active"),
		}
	case "ha": // new VPC over 3 AZs, NAT per AZ, bastion, baked image, HTTPS, alias
		return map[string]awsNode{
			"vpc, subnets, internet gateway": n(0),
			"NAT gateways available":         n(d["nat-pending"], "vpc, subnets, internet gateway"),
			"security groups":                n(0, "vpc, subnets, internet gateway"),
			"instance profile usable":        n(d["iam-propagation"]),
			"bastion running":                n(d["instance-pending"], "security groups"),
			"builder running":                n(d["instance-pending"], "instance profile usable", "security groups"),
			"builder's setup done":           n(d["app-boot"], "builder running"),
			"image available":                n(d["image-pending"], "builder's setup done"),
			"launch template":                n(0, "image available"),
			"certificate issued":             n(d["dns-change"] + d["cert-validation"]),
			"load balancer active":           n(d["lb-provisioning"], "security groups"),
			"HTTPS listener":                 n(0, "load balancer active", "certificate issued"),
			"alias record in sync":           n(d["dns-change"], "load balancer active"),
			"instances running":              n(d["instance-pending"], "launch template", "NAT gateways available"),
			"app answering":                  n(d["app-boot"], "instances running"),
			"healthy in the group":           n(2*15*time.Second, "app answering", "HTTPS listener"),
		}
	}
	panic("no graph for " + example)
}

// destroyGraph is what AWS must do to delete a stack.
func destroyGraph(example string) map[string]awsNode {
	d := durations.AWS()
	n := func(took time.Duration, deps ...string) awsNode { return awsNode{took, deps} }
	g := map[string]awsNode{
		"instances terminated":   n(d["instance-shutdown"]),
		"load balancer deleted":  n(0),
		"its ENIs released":      n(d["lb-eni-release"], "load balancer deleted"),
		"security groups gone":   n(0, "instances terminated", "its ENIs released"),
		"template, role, alarms": n(0),
	}
	if example == "ha" {
		g["NAT gateways deleted"] = n(d["nat-deleting"])
		g["addresses released"] = n(0, "NAT gateways deleted")
		g["internet gateway detached"] = n(0, "addresses released", "instances terminated")
		g["subnets and VPC gone"] = n(0, "internet gateway detached", "security groups gone")
	}
	return g
}

// BenchmarkApplyAndDestroyOnTheRealisticClock applies and destroys each
// example with the built binary against the sandbox's realistic clock at
// benchSpeed, and reports AWS-time seconds beside the critical path.
func BenchmarkApplyAndDestroyOnTheRealisticClock(b *testing.B) {
	for _, example := range []string{"minimal", "ha"} {
		b.Run(example, func(b *testing.B) {
			for range b.N {
				sb, err := sandbox.New(sandbox.Options{Latency: sandbox.LatencyRealistic, Speed: benchSpeed, DelegatedDomains: []string{"example.com"}})
				if err != nil {
					b.Fatal(err)
				}
				srv := httptest.NewServer(sb)
				dir := b.TempDir()
				run := func(args ...string) time.Duration {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
					defer cancel()
					full := append([]string{"--endpoint-url", srv.URL, "--state-dir", dir}, args...)
					cmd := exec.CommandContext(ctx, binary, full...)
					cmd.Env = endpointEnv("us-east-1")
					start := time.Now()
					if r := runCommand(b, cmd); r.code != 0 {
						b.Fatalf("stackwiz %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
					}
					return time.Since(start) * benchSpeed
				}
				spec := examplePath(b, example)
				if example == "ha" {
					spec = haSpec(b, b.TempDir()) // no internet to ask for ssh_from: auto
				}
				// plan's own estimate (the engine's step graph), to see how
				// well the ETA apply counts down from holds.
				var planned struct {
					Duration struct {
						Seconds float64 `json:"seconds"`
					} `json:"duration"`
				}
				planCmd := exec.Command(binary, "--endpoint-url", srv.URL, "--state-dir", dir, "plan", "-f", spec, "--json")
				planCmd.Env = endpointEnv("us-east-1")
				if r := runCommand(b, planCmd); r.code != 0 || json.Unmarshal([]byte(r.stdout), &planned) != nil {
					b.Fatalf("stackwiz plan --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				applied := run("apply", "-f", spec, "--yes")
				destroyed := run("destroy", "--yes")
				srv.Close()

				applyPath, applyChain := criticalPath(applyGraph(example))
				destroyPath, destroyChain := criticalPath(destroyGraph(example))
				b.ReportMetric(applied.Seconds(), "apply-aws-s")
				b.ReportMetric(applyPath.Seconds(), "apply-path-s")
				b.ReportMetric(applied.Seconds()/applyPath.Seconds(), "apply/path")
				b.ReportMetric(planned.Duration.Seconds, "plan-estimate-s")
				b.ReportMetric(applied.Seconds()/planned.Duration.Seconds, "apply/estimate")
				b.ReportMetric(destroyed.Seconds(), "destroy-aws-s")
				b.ReportMetric(destroyPath.Seconds(), "destroy-path-s")
				b.ReportMetric(destroyed.Seconds()/destroyPath.Seconds(), "destroy/path")
				b.Logf("%s apply critical path: %s", example, strings.Join(applyChain, " → "))
				b.Logf("%s destroy critical path: %s", example, strings.Join(destroyChain, " → "))
			}
		})
	}
}

// BenchmarkProcessStart is `stackwiz version`, beside `aws --version` when
// the AWS CLI is installed: what a user waits before anything happens.
func BenchmarkProcessStart(b *testing.B) {
	measure := func(name string, args ...string) time.Duration {
		var total time.Duration
		const runs = 10
		for range runs {
			start := time.Now()
			if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
			total += time.Since(start)
		}
		return total / runs
	}
	for range b.N {
		b.ReportMetric(float64(measure(binary, "version").Microseconds())/1000, "stackwiz-ms")
		if _, err := exec.LookPath("aws"); err == nil {
			b.ReportMetric(float64(measure("aws", "--version").Microseconds())/1000, "aws-cli-ms")
		}
	}
}
