package steps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// specOutcome is what a field validator is expected to say.
type specOutcome int

const (
	specOK specOutcome = iota
	specIsError
	specIsWarning
)

type specFieldCase struct {
	name string
	err  error
	want specOutcome
	// text must appear in the message (for errors and warnings).
	text string
}

func specCheckFieldCases(t *testing.T, cases []specFieldCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := specOK
			if tc.err != nil {
				var fe *FieldError
				if !errors.As(tc.err, &fe) {
					t.Fatalf("error %v is not a *FieldError", tc.err)
				}
				got = specIsError
				if ValidateBlocking(tc.err) == nil {
					got = specIsWarning
				}
				if fe.Problem == "" || fe.Fix == "" {
					t.Errorf("problem %q or fix %q is empty", fe.Problem, fe.Fix)
				}
			}
			if got != tc.want {
				t.Fatalf("got specOutcome %d (%v), want %d", got, tc.err, tc.want)
			}
			if tc.text != "" && !strings.Contains(tc.err.Error(), tc.text) {
				t.Errorf("message %q does not contain %q", tc.err.Error(), tc.text)
			}
		})
	}
}

func TestValidateNameRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"short lowercase", ValidateName("demo"), specOK, ""},
		{"digits and hyphens", ValidateName("my-app-2"), specOK, ""},
		{"twenty characters", ValidateName(strings.Repeat("a", 20)), specOK, ""},
		{"empty", ValidateName(""), specIsError, "required"},
		{"twenty-one characters", ValidateName(strings.Repeat("a", 21)), specIsError, "more than 20"},
		{"capitals suggest lowercase", ValidateName("Demo"), specIsError, "did you mean demo?"},
		{"underscore", ValidateName("my_app"), specIsError, "a-z, 0-9"},
		{"leading hyphen", ValidateName("-demo"), specIsError, "hyphen"},
		{"trailing hyphen", ValidateName("demo-"), specIsError, "hyphen"},
		{"internal prefix makes an invalid ALB name", ValidateName("internal-x"), specIsError, `"internal-"`},
		{"sg prefix makes an invalid security group name", ValidateName("sg-web"), specIsError, `"sg-"`},
	})
}

func TestValidateRegionRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"empty uses the profile", ValidateRegion(""), specOK, ""},
		{"us-east-1", ValidateRegion("us-east-1"), specOK, ""},
		{"ap-northeast-2", ValidateRegion("ap-northeast-2"), specOK, ""},
		{"gov cloud", ValidateRegion("us-gov-west-1"), specOK, ""},
		{"an AZ", ValidateRegion("ap-northeast-2a"), specIsError, "did you mean ap-northeast-2?"},
		{"missing hyphen", ValidateRegion("us-east1"), specIsError, "did you mean us-east-1?"},
		{"nonsense", ValidateRegion("seoul"), specIsError, "not a region"},
	})
}

func TestValidateCIDRRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"10/16", ValidateCIDR("10.0.0.0/16"), specOK, ""},
		{"172.16/20", ValidateCIDR("172.16.0.0/20"), specOK, ""},
		{"192.168/28", ValidateCIDR("192.168.1.0/28"), specOK, ""},
		{"empty", ValidateCIDR(""), specIsError, "empty"},
		{"no prefix length", ValidateCIDR("10.0.0.0"), specIsError, "10.0.0.0/16"},
		{"not a CIDR", ValidateCIDR("10.0.0/16"), specIsError, "not a CIDR"},
		{"octet out of range", ValidateCIDR("10.0.0.256/16"), specIsError, "not a CIDR"},
		{"IPv6", ValidateCIDR("fd00::/56"), specIsError, "IPv6"},
		{"host bits set", ValidateCIDR("10.0.0.1/16"), specIsError, "did you mean 10.0.0.0/16?"},
		{"too large", ValidateCIDR("10.0.0.0/8"), specIsError, "/16 to /28"},
		{"too small", ValidateCIDR("10.0.0.0/29"), specIsError, "/16 to /28"},
		{"loopback", ValidateCIDR("127.0.0.0/16"), specIsError, "reserves"},
		{"link-local", ValidateCIDR("169.254.0.0/16"), specIsError, "reserves"},
		{"public space warns", ValidateCIDR("52.0.0.0/16"), specIsWarning, "public address space"},
	})
}

func TestValidateNetworkFieldRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"vpc new", ValidateVPC("new"), specOK, ""},
		{"vpc default", ValidateVPC("default"), specOK, ""},
		{"vpc short id", ValidateVPC("vpc-0a1b2c3d"), specOK, ""},
		{"vpc long id", ValidateVPC("vpc-0a1b2c3d4e5f67890"), specOK, ""},
		{"vpc id wrong length", ValidateVPC("vpc-0a1b2"), specIsError, "8 or 17"},
		{"vpc id uppercase", ValidateVPC("vpc-0A1B2C3D"), specIsError, "not a VPC id"},
		{"vpc word", ValidateVPC("custom"), specIsError, "new, default or a VPC id"},
		{"vpc capitalised", ValidateVPC("New"), specIsError, "did you mean new?"},
		{"azs 2", ValidateAZs(2, 4), specOK, ""},
		{"azs 3 unknown region", ValidateAZs(3, 0), specOK, ""},
		{"azs 1", ValidateAZs(1, 3), specIsError, "at least two"},
		{"azs 4", ValidateAZs(4, 6), specIsError, "not 2 or 3"},
		{"azs beyond region", ValidateAZs(3, 2), specIsError, "more than the 2"},
		{"nat none", ValidateNAT("none"), specOK, ""},
		{"nat single", ValidateNAT("single"), specOK, ""},
		{"nat per-az", ValidateNAT("per-az"), specOK, ""},
		{"nat per_az", ValidateNAT("per_az"), specIsError, "did you mean per-az?"},
		{"nat always", ValidateNAT("always"), specIsError, "none, single or per-az"},
		{"nat PerAZ", ValidateNAT("PerAZ"), specIsError, `"PerAZ" is not none, single or per-az: did you mean per-az?`},
		{"public /24", ValidatePublicSubnetBits(24), specOK, ""},
		{"public /27", ValidatePublicSubnetBits(27), specOK, ""},
		{"public /28 too small for an ALB", ValidatePublicSubnetBits(28), specIsError, "/27"},
		{"private /28", ValidatePrivateSubnetBits(28), specOK, ""},
		{"private /15", ValidatePrivateSubnetBits(15), specIsError, "/16 to /28"},
		{"private /29", ValidatePrivateSubnetBits(29), specIsError, "/16 to /28"},
		{"ssh auto", ValidateSSHFrom("auto"), specOK, ""},
		{"ssh /32", ValidateSSHFrom("203.0.113.7/32"), specOK, ""},
		{"ssh bare address", ValidateSSHFrom("203.0.113.7"), specIsError, "203.0.113.7/32"},
		{"ssh host bits", ValidateSSHFrom("203.0.113.7/24"), specIsError, "did you mean 203.0.113.0/24?"},
		{"ssh world warns loudly", ValidateSSHFrom("0.0.0.0/0"), specIsWarning, "whole internet"},
		{"ssh garbage", ValidateSSHFrom("my-ip"), specIsError, "auto"},
	})
}

func TestValidateIAMAndAMIRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"role name", ValidateRoleName("demo-app"), specOK, ""},
		{"role name IAM punctuation", ValidateRoleName("a+b=c,d.e@f_g-h"), specOK, ""},
		{"role name 64", ValidateRoleName(strings.Repeat("r", 64)), specOK, ""},
		{"role name 65", ValidateRoleName(strings.Repeat("r", 65)), specIsError, "64"},
		{"role name space", ValidateRoleName("my role"), specIsError, "does not allow"},
		{"role name empty", ValidateRoleName(""), specIsError, "empty"},
		{"policy name", ValidateManagedPolicy("AmazonSSMManagedInstanceCore"), specOK, ""},
		{"policy with path", ValidateManagedPolicy("service-role/AmazonEC2RoleforSSM"), specOK, ""},
		{"policy AWS ARN", ValidateManagedPolicy("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"), specOK, ""},
		{"policy customer ARN", ValidateManagedPolicy("arn:aws:iam::123456789012:policy/app-s3"), specOK, ""},
		{"policy bad ARN", ValidateManagedPolicy("arn:aws:iam::policy/X"), specIsError, "not an IAM policy ARN"},
		{"policy with space", ValidateManagedPolicy("Amazon SSM"), specIsError, "not a managed policy name"},
		{"source latest", ValidateAMISource("latest"), specOK, ""},
		{"source bake", ValidateAMISource("bake"), specOK, ""},
		{"source newest", ValidateAMISource("newest"), specIsError, "latest, existing or bake"},
		{"ami short id", ValidateAMIID("ami-12345678"), specOK, ""},
		{"ami long id", ValidateAMIID("ami-0123456789abcdef0"), specOK, ""},
		{"ami empty", ValidateAMIID(""), specIsError, "empty"},
		{"ami bad", ValidateAMIID("ami-xyz"), specIsError, "not an image id"},
		{"base al2023", ValidateAMIBase("amazon-linux-2023"), specOK, ""},
		{"base ubuntu 24.04", ValidateAMIBase("ubuntu-24.04"), specOK, ""},
		{"base al2", ValidateAMIBase("amazon-linux-2"), specIsError, "not an offered base"},
		{"base typo", ValidateAMIBase("ubuntu-24.4"), specIsError, "did you mean ubuntu-24.04?"},
		{"source capitalised", ValidateAMISource("Bake"), specIsError, "did you mean bake?"},
	})
}

func TestValidateInstanceRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"t3.micro", ValidateInstanceType("t3.micro"), specOK, ""},
		{"t4g.small", ValidateInstanceType("t4g.small"), specOK, ""},
		{"m7i.large", ValidateInstanceType("m7i.large"), specOK, ""},
		{"unpriced but real type warns", ValidateInstanceType("c6in.2xlarge"), specIsWarning, "price table"},
		{"flex type warns", ValidateInstanceType("m7i-flex.large"), specIsWarning, "price table"},
		{"hyphen for dot", ValidateInstanceType("t3-micro"), specIsError, "did you mean t3.micro?"},
		{"capitals", ValidateInstanceType("T3.Micro"), specIsError, "did you mean t3.micro?"},
		{"unknown size", ValidateInstanceType("t3.huge"), specIsError, "not an EC2 instance type"},
		{"port 3000", ValidatePort(3000), specOK, ""},
		{"port 1", ValidatePort(1), specOK, ""},
		{"port 65535", ValidatePort(65535), specOK, ""},
		{"port 0", ValidatePort(0), specIsError, "not a TCP port"},
		{"port 65536", ValidatePort(65536), specIsError, "not a TCP port"},
		{"port 22 warns", ValidatePort(22), specIsWarning, "SSH"},
		{"port as text", ValidateNumber(" 8080 ", ValidatePort), specOK, ""},
		{"port text out of range", ValidateNumber("0", ValidatePort), specIsError, "not a TCP port"},
		{"port text not a number", ValidateNumber("80a", ValidatePort), specIsError, "not a whole number"},
		{"volume 8", ValidateVolumeGiB(8), specOK, ""},
		{"volume 16384", ValidateVolumeGiB(16384), specOK, ""},
		{"volume 7", ValidateVolumeGiB(7), specIsError, "8 GiB root snapshot"},
		{"volume 0 is the image's size", ValidateVolumeGiB(0), specOK, ""},
		{"volume negative", ValidateVolumeGiB(-1), specIsError, "1 to 16384"},
		{"volume 16385", ValidateVolumeGiB(16385), specIsError, "1 to 16384"},
		{"key name", ValidateKeyName("my-key"), specOK, ""},
		{"no key", ValidateKeyName(""), specOK, ""},
		{"key non-ASCII", ValidateKeyName("키"), specIsError, "ASCII"},
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
	write("big.sh", "#!/bin/bash\n"+strings.Repeat("#", specMaxUserDataBytes), 0o600)
	write("exact.sh", "#!/bin/bash\n"+strings.Repeat("#", specMaxUserDataBytes-len("#!/bin/bash\n")), 0o600)
	write("locked.sh", "#!/bin/bash\n", 0o000)
	cases := []specFieldCase{
		{"script", ValidateScriptFile("start.sh", dir), specOK, ""},
		{"absolute path", ValidateScriptFile(filepath.Join(dir, "start.sh"), "/nonexistent"), specOK, ""},
		{"cloud-config", ValidateScriptFile("cloud.yaml", dir), specOK, ""},
		{"exactly 16 KB", ValidateScriptFile("exact.sh", dir), specOK, ""},
		{"missing", ValidateScriptFile("nope.sh", dir), specIsError, "does not exist"},
		{"directory", ValidateScriptFile(".", dir), specIsError, "directory"},
		{"over 16 KB", ValidateScriptFile("big.sh", dir), specIsError, "16 KB"},
		{"no shebang warns", ValidateScriptFile("plain.txt", dir), specIsWarning, "#!"},
	}
	if os.Geteuid() != 0 { // root reads any file
		cases = append(cases, specFieldCase{"unreadable", ValidateScriptFile("locked.sh", dir), specIsError, "cannot be read"})
	}
	specCheckFieldCases(t, cases)
}

func TestValidateLoadBalancerRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"path /", ValidateHealthCheckPath("/"), specOK, ""},
		{"path /health?x=1", ValidateHealthCheckPath("/health?x=1"), specOK, ""},
		{"path without slash", ValidateHealthCheckPath("health"), specIsError, "start with /"},
		{"path too long", ValidateHealthCheckPath("/" + strings.Repeat("a", 1024)), specIsError, "1024"},
		{"interval 5", ValidateHealthCheckInterval(5), specOK, ""},
		{"interval 300", ValidateHealthCheckInterval(300), specOK, ""},
		{"interval 4", ValidateHealthCheckInterval(4), specIsError, "5 to 300"},
		{"interval 301", ValidateHealthCheckInterval(301), specIsError, "5 to 300"},
		{"timeout 5 of 30", ValidateHealthCheckTimeout(5, 30), specOK, ""},
		{"timeout 1", ValidateHealthCheckTimeout(1, 30), specIsError, "2 to 120"},
		{"timeout 121", ValidateHealthCheckTimeout(121, 300), specIsError, "2 to 120"},
		{"timeout equal to interval", ValidateHealthCheckTimeout(10, 10), specIsError, "not less than interval_seconds (10)"},
		{"threshold 2", ValidateThreshold(2), specOK, ""},
		{"threshold 10", ValidateThreshold(10), specOK, ""},
		{"threshold 1", ValidateThreshold(1), specIsError, "2 to 10"},
		{"threshold 11", ValidateThreshold(11), specIsError, "2 to 10"},
		{"codes 200", ValidateSuccessCodes("200"), specOK, ""},
		{"codes list", ValidateSuccessCodes("200,204"), specOK, ""},
		{"codes range", ValidateSuccessCodes("200-299"), specOK, ""},
		{"codes 500", ValidateSuccessCodes("200,500"), specIsError, "200 to 499"},
		{"codes reversed range", ValidateSuccessCodes("299-200"), specIsError, "not a list"},
		{"codes words", ValidateSuccessCodes("ok"), specIsError, "not a list"},
	})
}

func TestValidateAutoscalingRules(t *testing.T) {
	specCheckFieldCases(t, []specFieldCase{
		{"grace 120", ValidateGraceSeconds(120), specOK, ""},
		{"grace 30", ValidateGraceSeconds(30), specOK, ""},
		{"grace 0 is the API default trap", ValidateGraceSeconds(0), specIsError, "still booting"},
		{"grace 29", ValidateGraceSeconds(29), specIsError, "at least 30"},
		{"grace negative", ValidateGraceSeconds(-1), specIsError, "negative"},
		{"cpu 0 disables", ValidateCPUTarget(0), specOK, ""},
		{"cpu 100", ValidateCPUTarget(100), specOK, ""},
		{"cpu 101", ValidateCPUTarget(101), specIsError, "not a percentage"},
		{"cpu -1", ValidateCPUTarget(-1), specIsError, "not a percentage"},
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
			got := specCheckCapacity(tc.minSize, tc.des, tc.max)
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
		{"unknown", []string{"Cheapest"}, []string{"error autoscaling.termination_policies[0]: Cheapest is not a termination policy: use one of Default,"}},
		{"repeat", []string{"OldestInstance", "OldestInstance"}, []string{"error autoscaling.termination_policies[1]: OldestInstance repeats autoscaling.termination_policies[0]"}},
		{"legacy launch configuration", []string{"OldestLaunchConfiguration"}, []string{"warning autoscaling.termination_policies[0]: OldestLaunchConfiguration applies to launch configurations"}},
		{"default first shadows the rest", []string{"Default", "OldestInstance"}, []string{"warning autoscaling.termination_policies[0]: Default always picks an instance"}},
		{"allocation strategy needs a mixed group", []string{"AllocationStrategy", "Default"}, []string{"warning autoscaling.termination_policies[0]: AllocationStrategy only decides"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := specCheckTerminationPolicies(tc.policies)
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
	specCheckFieldCases(t, []specFieldCase{
		{"zone", ValidateDNSZone("example.com"), specOK, ""},
		{"zone with final dot", ValidateDNSZone("example.com."), specOK, ""},
		{"no zone", ValidateDNSZone(""), specOK, ""},
		{"zone one label", ValidateDNSZone("localhost"), specIsError, "not a domain name"},
		{"zone underscore", ValidateDNSZone("my_site.com"), specIsError, "not a domain name"},
		{"zone label hyphen edge", ValidateDNSZone("-a.com"), specIsError, "not a domain name"},
		{"record in zone", ValidateDNSRecord("api.example.com", "example.com"), specOK, ""},
		{"record is apex", ValidateDNSRecord("example.com", "example.com."), specOK, ""},
		{"record case-insensitive", ValidateDNSRecord("API.Example.com", "example.com"), specOK, ""},
		{"record outside zone", ValidateDNSRecord("api.example.org", "example.com"), specIsError, "not inside dns.zone (example.com)"},
		{"record suffix trick", ValidateDNSRecord("apiexample.com", "example.com"), specIsError, "not inside"},
		{"record without zone", ValidateDNSRecord("api.example.com", ""), specIsError, "dns.zone is empty"},
		{"zone without record", ValidateDNSRecord("", "example.com"), specIsError, "api.example.com"},
		{"email", ValidateEmail("ops@example.com"), specOK, ""},
		{"no email", ValidateEmail(""), specOK, ""},
		{"email without domain dot", ValidateEmail("ops@localhost"), specIsError, "not an email"},
		{"email with name", ValidateEmail("Ops <ops@example.com>"), specIsError, "not an email"},
		{"email no at", ValidateEmail("ops.example.com"), specIsError, "not an email"},
		{"billing 0", ValidateBillingThreshold(0), specOK, ""},
		{"billing 25.5", ValidateBillingThreshold(25.5), specOK, ""},
		{"billing negative", ValidateBillingThreshold(-1), specIsError, "not an amount"},
	})
}
