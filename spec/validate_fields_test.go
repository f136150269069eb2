package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outcome is what a field validator is expected to say.
type outcome int

const (
	oK outcome = iota
	isError
	isWarning
)

type fieldCase struct {
	name string
	err  error
	want outcome
	// text must appear in the message (for errors and warnings).
	text string
}

func checkFieldCases(t *testing.T, cases []fieldCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := oK
			if tc.err != nil {
				var fe *FieldError
				if !errors.As(tc.err, &fe) {
					t.Fatalf("error %v is not a *FieldError", tc.err)
				}
				got = isError
				if ValidateBlocking(tc.err) == nil {
					got = isWarning
				}
				if fe.Problem == "" || fe.Fix == "" {
					t.Errorf("problem %q or fix %q is empty", fe.Problem, fe.Fix)
				}
			}
			if got != tc.want {
				t.Fatalf("got outcome %d (%v), want %d", got, tc.err, tc.want)
			}
			if tc.text != "" && !strings.Contains(tc.err.Error(), tc.text) {
				t.Errorf("message %q does not contain %q", tc.err.Error(), tc.text)
			}
		})
	}
}

func TestValidateNameRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"short lowercase", ValidateName("demo"), oK, ""},
		{"digits and hyphens", ValidateName("my-app-2"), oK, ""},
		{"twenty characters", ValidateName(strings.Repeat("a", 20)), oK, ""},
		{"empty", ValidateName(""), isError, "required"},
		{"twenty-one characters", ValidateName(strings.Repeat("a", 21)), isError, "more than 20"},
		{"capitals suggest lowercase", ValidateName("Demo"), isError, "did you mean demo?"},
		{"underscore", ValidateName("my_app"), isError, "a-z, 0-9"},
		{"leading hyphen", ValidateName("-demo"), isError, "hyphen"},
		{"trailing hyphen", ValidateName("demo-"), isError, "hyphen"},
		{"internal prefix makes an invalid ALB name", ValidateName("internal-x"), isError, `"internal-"`},
		{"sg prefix makes an invalid security group name", ValidateName("sg-web"), isError, `"sg-"`},
	})
}

func TestValidateRegionRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"empty uses the profile", ValidateRegion(""), oK, ""},
		{"us-east-1", ValidateRegion("us-east-1"), oK, ""},
		{"ap-northeast-2", ValidateRegion("ap-northeast-2"), oK, ""},
		{"gov cloud", ValidateRegion("us-gov-west-1"), oK, ""},
		{"an AZ", ValidateRegion("ap-northeast-2a"), isError, "did you mean ap-northeast-2?"},
		{"missing hyphen", ValidateRegion("us-east1"), isError, "did you mean us-east-1?"},
		{"nonsense", ValidateRegion("seoul"), isError, "not a region"},
	})
}

func TestValidateCIDRRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"10/16", ValidateCIDR("10.0.0.0/16"), oK, ""},
		{"172.16/20", ValidateCIDR("172.16.0.0/20"), oK, ""},
		{"192.168/28", ValidateCIDR("192.168.1.0/28"), oK, ""},
		{"empty", ValidateCIDR(""), isError, "empty"},
		{"no prefix length", ValidateCIDR("10.0.0.0"), isError, "10.0.0.0/16"},
		{"not a CIDR", ValidateCIDR("10.0.0/16"), isError, "not a CIDR"},
		{"octet out of range", ValidateCIDR("10.0.0.256/16"), isError, "not a CIDR"},
		{"IPv6", ValidateCIDR("fd00::/56"), isError, "IPv6"},
		{"host bits set", ValidateCIDR("10.0.0.1/16"), isError, "did you mean 10.0.0.0/16?"},
		{"too large", ValidateCIDR("10.0.0.0/8"), isError, "/16 to /28"},
		{"too small", ValidateCIDR("10.0.0.0/29"), isError, "/16 to /28"},
		{"loopback", ValidateCIDR("127.0.0.0/16"), isError, "reserves"},
		{"link-local", ValidateCIDR("169.254.0.0/16"), isError, "reserves"},
		{"public space warns", ValidateCIDR("52.0.0.0/16"), isWarning, "public address space"},
	})
}

func TestValidateNetworkFieldRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"vpc new", ValidateVPC("new"), oK, ""},
		{"vpc default", ValidateVPC("default"), oK, ""},
		{"vpc short id", ValidateVPC("vpc-0a1b2c3d"), oK, ""},
		{"vpc long id", ValidateVPC("vpc-0a1b2c3d4e5f67890"), oK, ""},
		{"vpc id wrong length", ValidateVPC("vpc-0a1b2"), isError, "8 or 17"},
		{"vpc id uppercase", ValidateVPC("vpc-0A1B2C3D"), isError, "not a VPC id"},
		{"vpc word", ValidateVPC("custom"), isError, "new, default or a VPC id"},
		{"vpc capitalised", ValidateVPC("New"), isError, "did you mean new?"},
		{"azs 2", ValidateAZs(2, 4), oK, ""},
		{"azs 3 unknown region", ValidateAZs(3, 0), oK, ""},
		{"azs 1", ValidateAZs(1, 3), isError, "at least two"},
		{"azs 4", ValidateAZs(4, 6), isError, "not 2 or 3"},
		{"azs beyond region", ValidateAZs(3, 2), isError, "more than the 2"},
		{"nat none", ValidateNAT("none"), oK, ""},
		{"nat single", ValidateNAT("single"), oK, ""},
		{"nat per-az", ValidateNAT("per-az"), oK, ""},
		{"nat per_az", ValidateNAT("per_az"), isError, "did you mean per-az?"},
		{"nat always", ValidateNAT("always"), isError, "none, single or per-az"},
		{"nat PerAZ", ValidateNAT("PerAZ"), isError, `"PerAZ" is not none, single or per-az: did you mean per-az?`},
		{"public /24", ValidatePublicSubnetBits(24), oK, ""},
		{"public /27", ValidatePublicSubnetBits(27), oK, ""},
		{"public /28 too small for an ALB", ValidatePublicSubnetBits(28), isError, "/27"},
		{"private /28", ValidatePrivateSubnetBits(28), oK, ""},
		{"private /15", ValidatePrivateSubnetBits(15), isError, "/16 to /28"},
		{"private /29", ValidatePrivateSubnetBits(29), isError, "/16 to /28"},
		{"ssh auto", ValidateSSHFrom("auto"), oK, ""},
		{"ssh /32", ValidateSSHFrom("203.0.113.7/32"), oK, ""},
		{"ssh bare address", ValidateSSHFrom("203.0.113.7"), isError, "203.0.113.7/32"},
		{"ssh host bits", ValidateSSHFrom("203.0.113.7/24"), isError, "did you mean 203.0.113.0/24?"},
		{"ssh world warns loudly", ValidateSSHFrom("0.0.0.0/0"), isWarning, "whole internet"},
		{"ssh garbage", ValidateSSHFrom("my-ip"), isError, "auto"},
	})
}

func TestValidateIAMAndAMIRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"role name", ValidateRoleName("demo-app"), oK, ""},
		{"role name IAM punctuation", ValidateRoleName("a+b=c,d.e@f_g-h"), oK, ""},
		{"role name 64", ValidateRoleName(strings.Repeat("r", 64)), oK, ""},
		{"role name 65", ValidateRoleName(strings.Repeat("r", 65)), isError, "64"},
		{"role name space", ValidateRoleName("my role"), isError, "does not allow"},
		{"role name empty", ValidateRoleName(""), isError, "empty"},
		{"policy name", ValidateManagedPolicy("AmazonSSMManagedInstanceCore"), oK, ""},
		{"policy with path", ValidateManagedPolicy("service-role/AmazonEC2RoleforSSM"), oK, ""},
		{"policy AWS ARN", ValidateManagedPolicy("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"), oK, ""},
		{"policy customer ARN", ValidateManagedPolicy("arn:aws:iam::123456789012:policy/app-s3"), oK, ""},
		{"policy bad ARN", ValidateManagedPolicy("arn:aws:iam::policy/X"), isError, "not an IAM policy ARN"},
		{"policy with space", ValidateManagedPolicy("Amazon SSM"), isError, "not a managed policy name"},
		{"source latest", ValidateAMISource("latest"), oK, ""},
		{"source bake", ValidateAMISource("bake"), oK, ""},
		{"source newest", ValidateAMISource("newest"), isError, "latest, existing or bake"},
		{"ami short id", ValidateAMIID("ami-12345678"), oK, ""},
		{"ami long id", ValidateAMIID("ami-0123456789abcdef0"), oK, ""},
		{"ami empty", ValidateAMIID(""), isError, "empty"},
		{"ami bad", ValidateAMIID("ami-xyz"), isError, "not an image id"},
		{"base al2023", ValidateAMIBase("amazon-linux-2023"), oK, ""},
		{"base ubuntu 24.04", ValidateAMIBase("ubuntu-24.04"), oK, ""},
		{"base al2", ValidateAMIBase("amazon-linux-2"), isError, "not an offered base"},
		{"base typo", ValidateAMIBase("ubuntu-24.4"), isError, "did you mean ubuntu-24.04?"},
		{"source capitalised", ValidateAMISource("Bake"), isError, "did you mean bake?"},
	})
}

func TestValidateInstanceRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"t3.micro", ValidateInstanceType("t3.micro"), oK, ""},
		{"t4g.small", ValidateInstanceType("t4g.small"), oK, ""},
		{"m7i.large", ValidateInstanceType("m7i.large"), oK, ""},
		{"unpriced but real type warns", ValidateInstanceType("c6in.2xlarge"), isWarning, "price table"},
		{"flex type warns", ValidateInstanceType("m7i-flex.large"), isWarning, "price table"},
		{"hyphen for dot", ValidateInstanceType("t3-micro"), isError, "did you mean t3.micro?"},
		{"capitals", ValidateInstanceType("T3.Micro"), isError, "did you mean t3.micro?"},
		{"unknown size", ValidateInstanceType("t3.huge"), isError, "not an EC2 instance type"},
		{"port 3000", ValidatePort(3000), oK, ""},
		{"port 1", ValidatePort(1), oK, ""},
		{"port 65535", ValidatePort(65535), oK, ""},
		{"port 0", ValidatePort(0), isError, "not a TCP port"},
		{"port 65536", ValidatePort(65536), isError, "not a TCP port"},
		{"port 22 warns", ValidatePort(22), isWarning, "SSH"},
		{"port as text", ValidateNumber(" 8080 ", ValidatePort), oK, ""},
		{"port text out of range", ValidateNumber("0", ValidatePort), isError, "not a TCP port"},
		{"port text not a number", ValidateNumber("80a", ValidatePort), isError, "not a whole number"},
		{"volume 8", ValidateVolumeGiB(8), oK, ""},
		{"volume 16384", ValidateVolumeGiB(16384), oK, ""},
		{"volume 7", ValidateVolumeGiB(7), isError, "8 GiB root snapshot"},
		{"volume 0 is the image's size", ValidateVolumeGiB(0), oK, ""},
		{"volume negative", ValidateVolumeGiB(-1), isError, "1 to 16384"},
		{"volume 16385", ValidateVolumeGiB(16385), isError, "1 to 16384"},
		{"key name", ValidateKeyName("my-key"), oK, ""},
		{"no key", ValidateKeyName(""), oK, ""},
		{"key non-ASCII", ValidateKeyName("키"), isError, "ASCII"},
	})
}

func TestValidateScriptFileRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("start.sh", "#!/bin/bash\nnode app.js\n", 0o600)
	write("cloud.yaml", "#cloud-config\npackages: [nodejs]\n", 0o600)
	write("plain.txt", "node app.js\n", 0o600)
	write("big.sh", "#!/bin/bash\n"+strings.Repeat("#", maxUserDataBytes), 0o600)
	write("exact.sh", "#!/bin/bash\n"+strings.Repeat("#", maxUserDataBytes-len("#!/bin/bash\n")), 0o600)
	write("locked.sh", "#!/bin/bash\n", 0o000)
	cases := []fieldCase{
		{"script", ValidateScriptFile("start.sh", dir), oK, ""},
		{"absolute path", ValidateScriptFile(filepath.Join(dir, "start.sh"), "/nonexistent"), oK, ""},
		{"cloud-config", ValidateScriptFile("cloud.yaml", dir), oK, ""},
		{"exactly 16 KB", ValidateScriptFile("exact.sh", dir), oK, ""},
		{"missing", ValidateScriptFile("nope.sh", dir), isError, "does not exist"},
		{"directory", ValidateScriptFile(".", dir), isError, "directory"},
		{"over 16 KB", ValidateScriptFile("big.sh", dir), isError, "16 KB"},
		{"no shebang warns", ValidateScriptFile("plain.txt", dir), isWarning, "#!"},
	}
	if os.Geteuid() != 0 { // root reads any file
		cases = append(cases, fieldCase{"unreadable", ValidateScriptFile("locked.sh", dir), isError, "cannot be read"})
	}
	checkFieldCases(t, cases)
}

func TestValidateLoadBalancerRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"path /", ValidateHealthCheckPath("/"), oK, ""},
		{"path /health?x=1", ValidateHealthCheckPath("/health?x=1"), oK, ""},
		{"path without slash", ValidateHealthCheckPath("health"), isError, "start with /"},
		{"path too long", ValidateHealthCheckPath("/" + strings.Repeat("a", 1024)), isError, "1024"},
		{"interval 5", ValidateHealthCheckInterval(5), oK, ""},
		{"interval 300", ValidateHealthCheckInterval(300), oK, ""},
		{"interval 4", ValidateHealthCheckInterval(4), isError, "5 to 300"},
		{"interval 301", ValidateHealthCheckInterval(301), isError, "5 to 300"},
		{"timeout 5 of 30", ValidateHealthCheckTimeout(5, 30), oK, ""},
		{"timeout 1", ValidateHealthCheckTimeout(1, 30), isError, "2 to 120"},
		{"timeout 121", ValidateHealthCheckTimeout(121, 300), isError, "2 to 120"},
		{"timeout equal to interval", ValidateHealthCheckTimeout(10, 10), isError, "not less than interval_seconds (10)"},
		{"threshold 2", ValidateThreshold(2), oK, ""},
		{"threshold 10", ValidateThreshold(10), oK, ""},
		{"threshold 1", ValidateThreshold(1), isError, "2 to 10"},
		{"threshold 11", ValidateThreshold(11), isError, "2 to 10"},
		{"codes 200", ValidateSuccessCodes("200"), oK, ""},
		{"codes list", ValidateSuccessCodes("200,204"), oK, ""},
		{"codes range", ValidateSuccessCodes("200-299"), oK, ""},
		{"codes 500", ValidateSuccessCodes("200,500"), isError, "200 to 499"},
		{"codes reversed range", ValidateSuccessCodes("299-200"), isError, "not a list"},
		{"codes words", ValidateSuccessCodes("ok"), isError, "not a list"},
	})
}

func TestValidateAutoscalingRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"grace 120", ValidateGraceSeconds(120), oK, ""},
		{"grace 30", ValidateGraceSeconds(30), oK, ""},
		{"grace 0 is the API default trap", ValidateGraceSeconds(0), isError, "still booting"},
		{"grace 29", ValidateGraceSeconds(29), isError, "at least 30"},
		{"grace negative", ValidateGraceSeconds(-1), isError, "negative"},
		{"cpu 0 disables", ValidateCPUTarget(0), oK, ""},
		{"cpu 100", ValidateCPUTarget(100), oK, ""},
		{"cpu 101", ValidateCPUTarget(101), isError, "not a percentage"},
		{"cpu -1", ValidateCPUTarget(-1), isError, "not a percentage"},
	})
}

func TestValidateCapacityNamesEachField(t *testing.T) {
	cases := []struct {
		name              string
		minSize, des, max int
		want              []string
	}{
		{"defaults", 2, 2, 4, nil},
		{"all zero but max", 0, 0, 1, []string{"warning autoscaling.desired: 0 starts the group with no instance"}},
		{"min over desired", 5, 2, 6, []string{"error autoscaling.min: 5 is greater than autoscaling.desired (2): set min ≤ desired ≤ max"}},
		{"desired over max", 1, 5, 4, []string{"error autoscaling.desired: 5 is greater than autoscaling.max (4)"}},
		{"min over max", 5, 5, 4, []string{"error autoscaling.min: 5 is greater than autoscaling.max (4)", "error autoscaling.desired: 5 is greater than autoscaling.max (4)"}},
		{"every bound at once", 5, 1, 3, []string{"error autoscaling.min: 5 is greater than autoscaling.max (3)", "error autoscaling.min: 5 is greater than autoscaling.desired (1)"}},
		{"negative min", -1, 0, 2, []string{"error autoscaling.min: -1 is negative"}},
		{"zero max", 0, 0, 0, []string{"error autoscaling.max: 0 leaves no room"}},
		{"max over cap", 1, 1, 1001, []string{"error autoscaling.max: 1001 is more than stackwiz's cap of 1000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := checkCapacity(tc.minSize, tc.des, tc.max)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems %v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				if s := got[i].Severity.String() + " " + got[i].Error(); !strings.HasPrefix(s, w) {
					t.Errorf("problem %d = %q, want prefix %q", i, s, w)
				}
			}
			if (len(got) > 0 && !got[0].IsWarning()) != (ValidateBlocking(ValidateCapacity(tc.minSize, tc.des, tc.max)) != nil) {
				t.Errorf("ValidateCapacity disagrees with checkCapacity")
			}
		})
	}
}

func TestValidateTerminationPolicies(t *testing.T) {
	cases := []struct {
		name     string
		policies []string
		want     []string // "severity path: text" prefixes
	}{
		{"default alone", []string{"Default"}, nil},
		{"oldest template then default", []string{"OldestLaunchTemplate", "Default"}, nil},
		{"all known without default", []string{"OldestLaunchTemplate", "ClosestToNextInstanceHour", "NewestInstance", "OldestInstance"}, nil},
		{"empty", []string{}, []string{"error autoscaling.termination_policies: is empty"}},
		{"wrong case", []string{"oldestinstance"}, []string{"error autoscaling.termination_policies[0]: oldestinstance is not a termination policy: did you mean OldestInstance?"}},
		{"typo", []string{"NewestInstanse"}, []string{"error autoscaling.termination_policies[0]: NewestInstanse is not a termination policy: did you mean NewestInstance?"}},
		{"unknown", []string{"Cheapest"}, []string{"error autoscaling.termination_policies[0]: Cheapest is not a termination policy: use one of OldestLaunchTemplate,"}},
		{"repeat", []string{"OldestInstance", "OldestInstance"}, []string{"error autoscaling.termination_policies[1]: OldestInstance repeats autoscaling.termination_policies[0]"}},
		{"legacy launch configuration", []string{"OldestLaunchConfiguration"}, []string{"warning autoscaling.termination_policies[0]: OldestLaunchConfiguration applies to launch configurations"}},
		{"default first shadows the rest", []string{"Default", "OldestInstance"}, []string{"warning autoscaling.termination_policies[0]: Default always picks an instance"}},
		{"allocation strategy needs a mixed group", []string{"AllocationStrategy", "Default"}, []string{"warning autoscaling.termination_policies[0]: AllocationStrategy only decides"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := checkTerminationPolicies(tc.policies)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i, w := range tc.want {
				if s := got[i].Severity.String() + " " + got[i].Error(); !strings.HasPrefix(s, w) {
					t.Errorf("problem %d = %q, want prefix %q", i, s, w)
				}
			}
		})
	}
}

func TestValidateDNSAndAlarmRules(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"zone", ValidateDNSZone("example.com"), oK, ""},
		{"zone with final dot", ValidateDNSZone("example.com."), oK, ""},
		{"no zone", ValidateDNSZone(""), oK, ""},
		{"zone one label", ValidateDNSZone("localhost"), isError, "not a domain name"},
		{"zone underscore", ValidateDNSZone("my_site.com"), isError, "not a domain name"},
		{"zone label hyphen edge", ValidateDNSZone("-a.com"), isError, "not a domain name"},
		{"record in zone", ValidateDNSRecord("api.example.com", "example.com"), oK, ""},
		{"record is apex", ValidateDNSRecord("example.com", "example.com."), oK, ""},
		{"record case-insensitive", ValidateDNSRecord("API.Example.com", "example.com"), oK, ""},
		{"record outside zone", ValidateDNSRecord("api.example.org", "example.com"), isError, "not inside dns.zone (example.com)"},
		{"record suffix trick", ValidateDNSRecord("apiexample.com", "example.com"), isError, "not inside"},
		{"record without zone", ValidateDNSRecord("api.example.com", ""), isError, "dns.zone is empty"},
		{"zone without record", ValidateDNSRecord("", "example.com"), isError, "api.example.com"},
		{"email", ValidateEmail("ops@example.com"), oK, ""},
		{"no email", ValidateEmail(""), oK, ""},
		{"email without domain dot", ValidateEmail("ops@localhost"), isError, "not an email"},
		{"email with name", ValidateEmail("Ops <ops@example.com>"), isError, "not an email"},
		{"email no at", ValidateEmail("ops.example.com"), isError, "not an email"},
		{"billing 0", ValidateBillingThreshold(0), oK, ""},
		{"billing 25.5", ValidateBillingThreshold(25.5), oK, ""},
		{"billing negative", ValidateBillingThreshold(-1), isError, "not an amount"},
	})
}
