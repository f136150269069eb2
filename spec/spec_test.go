package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// problemLines renders problems as "severity path (line N): problem: fix".
func problemLines(ps []FieldError) []string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = ps[i].Severity.String() + " " + ps[i].Error()
	}
	return out
}

func mustParse(t *testing.T, yml string) *Spec {
	t.Helper()
	s, err := Parse([]byte(yml))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

func validationProblems(t *testing.T, err error) []FieldError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	return ve.Problems
}

func TestNameAloneIsACompleteSpec(t *testing.T) {
	s := mustParse(t, "name: demo\n")
	want := Defaults()
	want.Name = "demo"
	want.IAM.RoleName = "demo-app"
	s.lines = nil
	if !reflect.DeepEqual(*s, want) {
		t.Fatalf("got %+v\nwant %+v", *s, want)
	}
	// The defaults README.md and docs/schemas/stack.schema.json name; the root volume follows
	// the image (0), which is 8 GiB for the images stackwiz offers on AWS.
	if s.Instance.Port != 3000 || s.Instance.Type != "t3.micro" || s.Autoscaling.HealthCheckGraceSeconds != 120 ||
		s.Network.CIDR != "10.0.0.0/16" || s.Network.NAT != "single" || s.Network.AZs != 2 ||
		s.Autoscaling.Min != 2 || s.Autoscaling.Desired != 2 || s.Autoscaling.Max != 4 ||
		s.Autoscaling.CPUTargetPercent != 50 || s.Instance.VolumeGiB != 0 || s.RootGiB() != 8 ||
		!reflect.DeepEqual(s.Autoscaling.TerminationPolicies, []string{"Default"}) ||
		!reflect.DeepEqual(s.IAM.ManagedPolicies, []string{"AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"}) {
		t.Errorf("defaults differ from the seeds: %+v", s)
	}
}

// An empty file (or one of comments only) says it is empty, and nothing
// else: "name is required" would send the user looking for a typo.
func TestEmptySpecSaysItIsEmpty(t *testing.T) {
	for _, data := range []string{"", "\n\n", "# only a comment\n"} {
		_, err := Parse([]byte(data))
		got := problemLines(validationProblems(t, err))
		if len(got) != 1 || got[0] != "error the file is empty: write at least `name: demo`; every other field has a default" {
			t.Errorf("Parse(%q) = %q", data, got)
		}
	}
}

func TestSpecWithoutANameNeedsOne(t *testing.T) {
	_, err := Parse([]byte("instance:\n  type: t3.small\n"))
	got := problemLines(validationProblems(t, err))
	if len(got) == 0 || got[0] != "error name: is required: set name: to a short lowercase name such as demo; it prefixes every resource" {
		t.Fatalf("got %q", got)
	}
}

func TestUnknownFieldsAreAllReportedWithLineAndSuggestion(t *testing.T) {
	yml := `name: demo
nmae: typo
network:
  cidrr: 10.1.0.0/16
  azs: 2
instance:
  prot: 8080
port: 3000
load_balancer:
  health_check:
    intreval_seconds: 10
autoscaling:
  termination_policy: [Default]
colour: blue
`
	_, err := Parse([]byte(yml))
	want := []string{
		"error nmae (line 2): is not a field of the stack spec: did you mean name?",
		"error port (line 8): is not a field of the stack spec: did you mean instance.port?",
		"error colour (line 14): is not a field of the stack spec: remove it; the fields of the top level are name, region, network, iam, ami, instance, load_balancer, autoscaling, dns, alarms",
		"error network.cidrr (line 4): is not a field of the stack spec: did you mean network.cidr?",
		"error instance.prot (line 7): is not a field of the stack spec: did you mean instance.port?",
		"error load_balancer.health_check.intreval_seconds (line 11): is not a field of the stack spec: did you mean load_balancer.health_check.interval_seconds?",
		"error autoscaling.termination_policy (line 13): is not a field of the stack spec: did you mean autoscaling.termination_policies?",
	}
	// The default instance has no user data: that warning comes too.
	got := problemLines(validationProblems(t, err))
	var errs []string
	for _, g := range got {
		if strings.HasPrefix(g, "error ") {
			errs = append(errs, g)
		}
	}
	if !reflect.DeepEqual(errs, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

func TestBadlyTypedValuesKeepTheirDefaultAndAreReported(t *testing.T) {
	yml := `name: demo
network: new
iam:
  managed_policies: [AmazonSSMManagedInstanceCore, 42]
instance:
  port: "3000"
  volume_gib: 8.5
load_balancer:
  https: yes
autoscaling:
  termination_policies: Default
  min: 1
  min: 2
`
	s, err := Parse([]byte(yml))
	got := problemLines(validationProblems(t, err))
	want := []string{
		"error network (line 2): is a string, not a mapping of fields: write its fields indented below it (vpc, cidr, azs, nat, public_subnet_bits, private_subnet_bits, bastion, flow_logs)",
		`error iam.managed_policies (line 4): is a list, not a list of strings: write a list: [a, b] or one "- a" per line`,
		`error instance.port (line 6): is a string, not a whole number: write a whole number without quotes`,
		"error instance.volume_gib (line 7): is a decimal number, not a whole number: write a whole number without quotes",
		"error load_balancer.https (line 9): is a string, not true/false: write true or false",
		`error autoscaling.min (line 13): appears twice (lines 12 and 13): keep one of them`,
		`error autoscaling.termination_policies (line 11): is a string, not a list of strings: write a list: [a, b] or one "- a" per line`,
	}
	var errs []string
	for _, g := range got {
		if strings.HasPrefix(g, "error ") {
			errs = append(errs, g)
		}
	}
	if !reflect.DeepEqual(errs, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
	if s.Instance.Port != 3000 || s.Network.VPC != "new" || s.Autoscaling.Min != 1 {
		t.Errorf("a bad value changed the spec: %+v", s)
	}
}

func TestInvalidYAMLIsOneProblem(t *testing.T) {
	_, err := Parse([]byte("name: demo\nnetwork:\n  vpc: [new\n"))
	ps := validationProblems(t, err)
	if len(ps) == 0 || !strings.Contains(ps[0].Problem, "not valid YAML") {
		t.Fatalf("got %v", ps)
	}
}

func TestManyMistakesAreListedInSpecOrder(t *testing.T) {
	dir := t.TempDir()
	yml := `name: My_Stack
region: us-east1
network:
  vpc: new
  cidr: 10.0.0.1/16
  azs: 4
  nat: sometimes
  bastion:
    enabled: true
    ssh_from: 0.0.0.0/0
iam:
  role_name: "my role"
  managed_policies: [AmazonSSMManagedInstanceCore, "arn:aws:iam:policy"]
ami:
  source: bake
  base: windows
instance:
  type: t3.mikro
  port: 70000
  user_data: missing.sh
  volume_gib: 4
load_balancer:
  health_check:
    path: health
    interval_seconds: 10
    timeout_seconds: 10
    healthy_threshold: 1
    unhealthy_threshold: 11
  https: true
autoscaling:
  min: 5
  desired: 2
  max: 4
  termination_policies: [Default, OldestLaunchConfiguration, Newest]
  health_check_grace_seconds: 0
  cpu_target_percent: 150
dns:
  zone: ""
  record: api.example.org
alarms:
  email: ops-at-example.com
  billing_threshold_usd: -5
`
	_, err := ParseWithEnv([]byte(yml), ValidateEnv{BaseDir: dir, AZCount: 4})
	got := problemLines(validationProblems(t, err))
	want := []string{
		"error name (line 1): My_Stack has characters other than a-z, 0-9 and -",
		"error region (line 2): us-east1 is not a region name: did you mean us-east-1?",
		"error network.cidr (line 5): 10.0.0.1/16 is not a network address (host bits are set): did you mean 10.0.0.0/16?",
		"error network.azs (line 6): 4 is not 2 or 3",
		`error network.nat (line 7): "sometimes" is not none, single or per-az`,
		"warning network.bastion.ssh_from (line 10): 0.0.0.0/0 opens the bastion's SSH port to the whole internet",
		"error iam.role_name (line 12): my role has characters IAM does not allow in role names",
		"error iam.managed_policies[1] (line 13): arn:aws:iam:policy is not an IAM policy ARN",
		`error ami.base (line 16): "windows" is not an offered base`,
		"error ami.setup_script: is empty but ami.source is bake",
		"error instance.type (line 18): t3.mikro is not an EC2 instance type",
		"error instance.port (line 19): 70000 is not a TCP port",
		"error instance.user_data (line 20): missing.sh does not exist",
		"error instance.volume_gib (line 21): 4 GiB is smaller than the image's 8 GiB root snapshot",
		`error load_balancer.health_check.path (line 24): "health" does not start with /`,
		"error load_balancer.health_check.timeout_seconds (line 26): 10 is not less than interval_seconds (10)",
		"error load_balancer.health_check.healthy_threshold (line 27): 1 is outside the healthy threshold's 2 to 10",
		"error load_balancer.health_check.unhealthy_threshold (line 28): 11 is outside the unhealthy threshold's 2 to 10",
		"error load_balancer.https (line 29): true needs dns.zone and dns.record",
		"error autoscaling.min (line 31): 5 is greater than autoscaling.max (4): set min ≤ desired ≤ max",
		"error autoscaling.min (line 31): 5 is greater than autoscaling.desired (2): set min ≤ desired ≤ max",
		"warning autoscaling.termination_policies[0] (line 34): Default always picks an instance",
		"warning autoscaling.termination_policies[1] (line 34): OldestLaunchConfiguration applies to launch configurations",
		"error autoscaling.termination_policies[2] (line 34): Newest is not a termination policy",
		"error autoscaling.health_check_grace_seconds (line 35): 0 seconds lets the ELB health check kill instances that are still booting",
		"error autoscaling.cpu_target_percent (line 36): 150 is not a percentage",
		"error dns.record (line 39): is set but dns.zone is empty",
		"error alarms.email (line 41): ops-at-example.com is not an email address",
		"error alarms.billing_threshold_usd (line 42): -5 is not an amount",
		"warning alarms.billing_threshold_usd (line 42): has nobody to notify",
	}
	// alarms.billing_threshold_usd -5 is not > 0, so no "nobody to notify".
	want = want[:len(want)-1]
	if len(got) != len(want) {
		t.Fatalf("got %d problems:\n%s\nwant %d", len(got), strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got  %s\n want %s...", i, got[i], want[i])
		}
	}
	if !strings.Contains(err.Error(), "invalid stack spec: 26 errors, 3 warnings") {
		t.Errorf("summary line: %q", strings.SplitN(err.Error(), "\n", 2)[0])
	}
}

func TestCrossFieldRules(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "start.sh"), []byte("#!/bin/bash\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := "name: demo\ninstance:\n  user_data: start.sh\n"
	cases := []struct {
		name string
		yml  string
		env  ValidateEnv
		want []string // every problem, as "severity path: text" prefixes
	}{
		{"clean", base, ValidateEnv{}, nil},
		{"azs beyond the region", base + "network:\n  azs: 3\n", ValidateEnv{AZCount: 2},
			[]string{"error network.azs (line 5): 3 is more than the 2 Availability Zones of the region: use 2"}},
		{"nat none puts instances in public subnets", base + "network:\n  nat: none\n", ValidateEnv{},
			[]string{"warning network.nat (line 5): none leaves the VPC without private subnets"}},
		{"vpc too small for the plan", base + "network:\n  cidr: 10.0.0.0/20\n", ValidateEnv{},
			[]string{"error network.cidr (line 5): 10.0.0.0/20 is too small for 2 private /20 and 2 public /24 (8704 addresses): use a /18 or larger"}},
		{"smaller subnets make it fit", base + "network:\n  cidr: 10.0.0.0/20\n  private_subnet_bits: 22\n", ValidateEnv{}, nil},
		{"subnet larger than the vpc", base + "network:\n  cidr: 10.0.0.0/20\n  private_subnet_bits: 19\n", ValidateEnv{},
			[]string{"error network.private_subnet_bits (line 6): a private /19 is larger than the VPC (10.0.0.0/20): use 20 or more"}},
		{"private subnets too small for max", base + "network:\n  private_subnet_bits: 28\nautoscaling:\n  max: 40\n", ValidateEnv{},
			[]string{"error network.private_subnet_bits (line 5): a private /28 holds 11 instances (AWS reserves 5 of its 16 addresses), fewer than the 20 per AZ"}},
		{"vpc settings ignored with the default vpc", base + "network:\n  vpc: default\n  cidr: 10.1.0.0/16\n  nat: per-az\n", ValidateEnv{},
			[]string{"warning network.cidr (line 6): is ignored when network.vpc is default", "warning network.nat (line 7): is ignored when network.vpc is default"}},
		{"world ssh without a bastion is quiet", base + "network:\n  bastion:\n    ssh_from: 0.0.0.0/0\n", ValidateEnv{}, nil},
		{"no SSM and no bastion", base + "iam:\n  managed_policies: [CloudWatchAgentServerPolicy]\n", ValidateEnv{},
			[]string{"warning iam.managed_policies (line 5): has no AmazonSSMManagedInstanceCore and there is no bastion"}},
		{"repeated policy", base + "iam:\n  managed_policies: [AmazonSSMManagedInstanceCore, arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore]\n", ValidateEnv{},
			[]string{"warning iam.managed_policies[1] (line 5): repeats iam.managed_policies[0]"}},
		{"role name derived from name", "name: " + strings.Repeat("a", 20) + "\ninstance:\n  user_data: start.sh\n", ValidateEnv{}, nil},
		{"existing ami needs an id", base + "ami:\n  source: existing\n", ValidateEnv{},
			[]string{"error ami.id: is empty but ami.source is existing"}},
		{"id ignored with latest", base + "ami:\n  id: ami-12345678\n", ValidateEnv{},
			[]string{"warning ami.id (line 5): is ignored unless ami.source is existing"}},
		{"setup script ignored with latest", base + "ami:\n  setup_script: start.sh\n", ValidateEnv{},
			[]string{"warning ami.setup_script (line 5): is ignored unless ami.source is bake"}},
		{"bake runs the setup script", base + "ami:\n  source: bake\n  setup_script: start.sh\n", ValidateEnv{}, nil},
		{"latest without user data never gets healthy", "name: demo\n", ValidateEnv{},
			[]string{"warning instance.user_data: is empty and ami.source is latest"}},
		{"existing image may be smaller than 8 GiB", "name: demo\nami:\n  source: existing\n  id: ami-12345678\ninstance:\n  volume_gib: 4\n", ValidateEnv{}, nil},
		{"a section written twice", base + "instance:\n  port: 80\n", ValidateEnv{},
			[]string{"error instance (line 4): appears twice (lines 2 and 4)"}},
		{"https with dns", base + "load_balancer:\n  https: true\ndns:\n  zone: example.com\n  record: api.example.com\n", ValidateEnv{}, nil},
		{"https without record", base + "load_balancer:\n  https: true\ndns:\n  zone: example.com\n", ValidateEnv{},
			[]string{"error load_balancer.https (line 5): true needs dns.zone and dns.record", "error dns.record: is empty but dns.zone is set"}},
		{"billing alarm without email", base + "alarms:\n  billing_threshold_usd: 20\n", ValidateEnv{},
			[]string{"warning alarms.billing_threshold_usd (line 5): has nobody to notify"}},
		{"timeout checked alone when the interval is wrong", base + "load_balancer:\n  health_check:\n    interval_seconds: 400\n    timeout_seconds: 200\n", ValidateEnv{},
			[]string{"error load_balancer.health_check.interval_seconds (line 6): 400 is outside", "error load_balancer.health_check.timeout_seconds (line 7): 200 is outside"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.env.BaseDir = dir
			_, err := ParseWithEnv([]byte(tc.yml), tc.env)
			var ps []FieldError
			if err != nil {
				ps = validationProblems(t, err)
			} else {
				s, _ := ParseWithEnv([]byte(tc.yml), tc.env)
				ps = s.Validate(tc.env)
			}
			got := problemLines(ps)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems:\n%s\nwant %d:\n%s", len(got), strings.Join(got, "\n"), len(tc.want), strings.Join(tc.want, "\n"))
			}
			for i := range tc.want {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("problem %d:\n got  %s\n want %s...", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestExampleSpecsLoadAndValidateClean(t *testing.T) {
	for _, name := range []string{"minimal.yaml", "ha.yaml"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "examples", name)
			s, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if ps := s.Validate(ValidateEnv{BaseDir: filepath.Dir(path), AZCount: 4}); len(ps) != 0 {
				t.Fatalf("problems:\n%s", strings.Join(problemLines(ps), "\n"))
			}
		})
	}
}

// TestExamplesAreTheTwoStacksTheREADMEPromises: ha.yaml is the whole
// highly available stack (new VPC over three zones with a NAT each, a
// bastion, a baked image, HTTPS with its record, alarms); minimal.yaml
// is the default VPC with the latest image.
func TestExamplesAreTheTwoStacksTheREADMEPromises(t *testing.T) {
	s, err := Load(filepath.Join("..", "examples", "ha.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Network.VPC != "new" || s.Network.CIDR != "10.0.0.0/16" || s.Network.AZs != 3 || s.Network.NAT != "per-az" ||
		!s.Network.Bastion.Enabled || s.AMI.Source != "bake" || s.AMI.SetupScript != "setup.sh" || s.Instance.UserData != "start.sh" ||
		!s.LoadBalancer.HTTPS || s.DNS.Zone != "example.com" || s.DNS.Record != "api.example.com" ||
		s.Alarms.Email == "" || s.Alarms.BillingThresholdUSD <= 0 || s.Autoscaling.CPUTargetPercent != 50 {
		t.Fatalf("ha.yaml is not the highly available stack (three zones, NAT per zone, bastion, baked image, HTTPS, record, alarms): %+v", s)
	}
	minimal, err := Load(filepath.Join("..", "examples", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if minimal.Network.VPC != "default" || minimal.AMI.Source != "latest" {
		t.Fatalf("minimal.yaml is not default VPC + latest AMI: %+v", minimal)
	}
}

func TestLoadResolvesFilesAgainstTheSpecDirectory(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "stack.yaml")
	if err := os.WriteFile(spec, []byte("name: demo\ninstance:\n  user_data: start.sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(spec)
	if ps := validationProblems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Problem, filepath.Join(dir, "start.sh")) {
		t.Fatalf("got %v", ps)
	}
	if err := os.WriteFile(filepath.Join(dir, "start.sh"), []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(spec); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "absent.yaml")); err == nil || !strings.Contains(err.Error(), "read stack spec") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestYAMLRoundTrips(t *testing.T) {
	ha, err := Load(filepath.Join("..", "examples", "ha.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	custom := Defaults()
	custom.Name = "x"
	custom.IAM.ManagedPolicies = []string{} // none: must not come back as the defaults
	custom.Alarms.BillingThresholdUSD = 12.5
	custom.Region = "eu-west-1"
	for name, s := range map[string]*Spec{"ha": ha, "custom": &custom} {
		t.Run(name, func(t *testing.T) {
			out, err := s.YAML()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseWithEnv(out, ValidateEnv{BaseDir: filepath.Join("..", "examples")})
			if err != nil && hasErrors(validationProblems(t, err)) {
				t.Fatalf("Parse(YAML()): %v\n%s", err, out)
			}
			want := *s
			want.fillDerived()
			want.lines, back.lines = nil, nil
			want.baseDir, back.baseDir = "", "" // where the file was read from, not what it says
			if !reflect.DeepEqual(*back, want) {
				t.Fatalf("round trip changed the spec:\n%s\ngot  %+v\nwant %+v", out, *back, want)
			}
		})
	}
}

func TestYAMLWritesFieldsInContractOrder(t *testing.T) {
	s := Defaults()
	s.Name = "demo"
	out, err := s.YAML()
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, key := range []string{"name:", "region:", "network:", "  vpc:", "  cidr:", "  azs:", "  nat:", "  bastion:", "iam:", "  role_name: demo-app", "ami:", "instance:", "  port: 3000", "load_balancer:", "autoscaling:", "dns:", "alarms:"} {
		i := strings.Index(string(out), key)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order in\n%s", key, out)
		}
		last = i
	}
}

func TestArchitectureFollowsTheInstanceFamily(t *testing.T) {
	for typ, want := range map[string]string{
		"t3.micro": "x86_64", "t4g.micro": "arm64", "m7g.large": "arm64", "c7gn.xlarge": "arm64",
		"a1.large": "arm64", "g5.xlarge": "x86_64", "m7i-flex.large": "x86_64", "g5g.xlarge": "arm64",
	} {
		s := Spec{Instance: Instance{Type: typ}}
		if got := s.Architecture(); got != want {
			t.Errorf("%s: got %s, want %s", typ, got, want)
		}
	}
}

func TestSpecPolicyARN(t *testing.T) {
	cases := []struct{ policy, partition, want string }{
		{"AmazonSSMManagedInstanceCore", "", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"},
		{"service-role/AmazonEC2RoleforSSM", "aws-cn", "arn:aws-cn:iam::aws:policy/service-role/AmazonEC2RoleforSSM"},
		{"arn:aws:iam::123456789012:policy/app", "aws", "arn:aws:iam::123456789012:policy/app"},
	}
	for _, tc := range cases {
		if got := PolicyARN(tc.policy, tc.partition); got != tc.want {
			t.Errorf("PolicyARN(%q, %q) = %q, want %q", tc.policy, tc.partition, got, tc.want)
		}
	}
}

func TestValidationErrorRendering(t *testing.T) {
	_, err := Parse([]byte("name: demo\nnetwork:\n  nat: none\nautoscaling:\n  min: 3\n"))
	want := "invalid stack spec: 1 error, 2 warnings\n" +
		"  warning: network.nat (line 3): none leaves the VPC without private subnets"
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got\n%s\nwant prefix\n%s", err, want)
	}
	ve := validationProblems(t, err)
	b, jerr := json.Marshal(ve[len(ve)-1])
	if jerr != nil {
		t.Fatal(jerr)
	}
	if got := string(b); got != `{"path":"autoscaling.min","line":5,"value":"3","problem":"3 is greater than autoscaling.desired (2)","fix":"set min ≤ desired ≤ max","severity":"error"}` {
		t.Fatalf("JSON: %s", got)
	}
}

func TestValidateBlockingPassesWarningsOnly(t *testing.T) {
	if ValidateBlocking(ValidateSSHFrom("0.0.0.0/0")) != nil {
		t.Error("a warning blocked the form")
	}
	if ValidateBlocking(ValidateTerminationPolicies([]string{"Default", "OldestInstance"})) != nil {
		t.Error("joined warnings blocked the form")
	}
	if ValidateBlocking(ValidateTerminationPolicies([]string{"Default", "Nope"})) == nil {
		t.Error("an error among warnings did not block the form")
	}
	if ValidateBlocking(errors.New("plain")) == nil {
		t.Error("a plain error did not block the form")
	}
	if ValidateBlocking(nil) != nil {
		t.Error("nil blocked")
	}
}
