package console

import (
	"context"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// faultySandbox serves a sandbox with faults, for a region whose search
// must fail, and returns its clients' config for region.
func faultySandbox(t *testing.T, region string, f sandbox.Faults) sdk.Config {
	t.Helper()
	srv := testkit.NewServer(t, testkit.ServerOptions{Region: region, Retry: aws.Options{MaxAttempts: 2, MaxBackoff: time.Millisecond}})
	if err := srv.SB.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	return srv.Cfg
}

// taggedGroup makes, in region of w's sandbox, an Auto Scaling group
// tagged stackwiz:stack=name that no record names: a stack built from
// another machine.
func taggedGroup(t *testing.T, w *stackWorld, region, name string) {
	t.Helper()
	cfg := w.Cfg.Copy()
	cfg.Region = region
	ctx := w.Ctx
	e := ec2.NewFromConfig(cfg)
	subnets, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	w.Must(err, "DescribeSubnets "+region)
	img, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: sdk.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	w.Must(err, "GetParameter "+region)
	lt, err := e.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdk.String(name + "-lt"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: img.Parameter.Value, InstanceType: ec2types.InstanceTypeT3Micro}})
	w.Must(err, "CreateLaunchTemplate "+region)
	_, err = autoscaling.NewFromConfig(cfg).CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(name + "-asg"),
		LaunchTemplate:       &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId, Version: sdk.String("$Latest")},
		MinSize:              sdk.Int32(0), DesiredCapacity: sdk.Int32(0), MaxSize: sdk.Int32(1),
		VPCZoneIdentifier: subnets.Subnets[0].SubnetId,
		Tags:              []astypes.Tag{{Key: sdk.String("stackwiz:stack"), Value: sdk.String(name), PropagateAtLaunch: sdk.Bool(true)}},
	})
	w.Must(err, "CreateAutoScalingGroup "+region)
}

// TestStackSwitcherListsRecordedFoundAndFailedRegions drives the switcher
// (o) through Update with real clients: the two stacks recorded in the
// state dir with their region and account, a stack found only by its tags
// in eu-west-1 with the adopt command that records it, and three regions
// whose search fails — denied, throttled, and one that answers after the
// deadline — each on its own line, hiding nothing found elsewhere.
// Choosing a recorded stack asks the root to open it; a found-only one is
// not opened, its command is copied.
func TestStackSwitcherListsRecordedFoundAndFailedRegions(t *testing.T) {
	blue := newStackWorld(t, worldOptions{size: 1})
	green := newStackWorld(t, worldOptions{name: "green", size: 1, sb: blue.SB, cfg: &blue.Cfg})
	dir := t.TempDir()
	blue.save(dir)
	green.save(dir)
	taggedGroup(t, blue, "eu-west-1", "orphan")

	failing := map[string]sdk.Config{
		"ap-south-1":   faultySandbox(t, "ap-south-1", sandbox.Faults{Deny: []string{"autoscaling:DescribeTags"}}),
		"sa-east-1":    faultySandbox(t, "sa-east-1", sandbox.Faults{ThrottleRate: 1}),
		"ca-central-1": faultySandbox(t, "ca-central-1", sandbox.Faults{LatencyMS: 3000}),
	}
	connect := func(_ context.Context, region string) (*aws.Clients, error) {
		if cfg, ok := failing[region]; ok {
			return aws.NewClients(cfg), nil
		}
		cfg := blue.Cfg.Copy()
		cfg.Region = region
		return aws.NewClients(cfg), nil
	}
	m, err := New(newShared(t), Deps{Fleet: blue.Fleet, Stack: blue.Stack, StateDir: dir, Interval: time.Hour, Now: blue.Now,
		Connect: connect, ScanRegionTimeout: 700 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m)
	d.start()
	d.keys("o")
	if d.m.picker == nil || d.m.picker.scanning {
		t.Fatalf("the switcher is not open with its search done: %+v", d.m.picker)
	}
	v := ansi.Strip(d.m.View(120, 40))
	for _, want := range []string{
		"> demo        us-east-1        123456789012  recorded · this console",
		"  green       us-east-1        123456789012  recorded",
		"  orphan      eu-west-1        –             tags only, not recorded: stackwiz --region eu-west-1 --stack orphan adopt",
		"✗ ap-south-1: access denied (autoscaling:DescribeTags in this region)",
		"✗ sa-east-1: ",
		"✗ ca-central-1: no answer before the deadline",
		"regions for the stackwiz:stack tag: 1 found; 3 could not be searched:",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the switcher does not show %q:\n%s", want, v)
		}
	}
	if !strings.Contains(v, "sa-east-1: ") || !strings.Contains(strings.ToLower(v[strings.Index(v, "sa-east-1: "):]), "throttl") {
		t.Errorf("the throttled region does not say it was throttled:\n%s", v)
	}
	// The footer's keys are the switcher's.
	var help []string
	for _, b := range d.m.KeyMap().ShortHelp() {
		help = append(help, b.Help().Key+" "+b.Help().Desc)
	}
	if h := strings.Join(help, " · "); !strings.Contains(h, "enter open stack") || !strings.Contains(h, "y copy command") || !strings.Contains(h, "esc close") {
		t.Errorf("the footer while the switcher is open: %s", h)
	}

	// A found-only stack is not opened: its adopt command is copied.
	d.keys("down", "down")
	act, _ := d.m.Update(keyPress("enter"))
	if n, ok := act.(screen.Notice); !ok || !strings.Contains(n.Text, "stack orphan is not recorded here: run stackwiz --region eu-west-1 --stack orphan adopt") {
		t.Errorf("enter on a found-only stack = %#v", act)
	}
	d.keys("y")
	if len(d.clips) == 0 || !strings.Contains(d.clips[len(d.clips)-1], "stackwiz --region eu-west-1 --stack orphan adopt") {
		t.Errorf("y on a found-only stack copied %v", d.clips)
	}
	// A recorded one is: the root reopens the console on it.
	d.keys("up")
	act, _ = d.m.Update(keyPress("enter"))
	if o, ok := act.(screen.OpenStack); !ok || o.Name != "green" {
		t.Errorf("enter on green = %#v, want screen.OpenStack{green}", act)
	}
	if d.m.picker != nil {
		t.Error("the switcher stayed open after a choice")
	}
	// o again, then esc: closed, the console is as it was.
	d.keys("o", "esc")
	if d.m.picker != nil || !strings.Contains(ansi.Strip(d.m.View(120, 40)), "1 Instances 1") {
		t.Errorf("esc did not close the switcher:\n%s", ansi.Strip(d.m.View(120, 40)))
	}
}
