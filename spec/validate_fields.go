package spec

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	namePattern = regexp.MustCompile(`^[a-z0-9-]{1,20}$`)
	// regionPattern matches us-east-1, ap-northeast-2, us-gov-west-1, ...
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+){1,2}-[0-9]{1,2}$`)
	// iAMNamePattern is IAM's name pattern for roles ([\w+=,.@-]+, CreateRole).
	iAMNamePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	// policyNamePattern is a managed policy name, with the path AWS gives
	// some of its own (service-role/..., job-function/...).
	policyNamePattern = regexp.MustCompile(`^([\w+=,.@-]+/)*[\w+=,.@-]{1,128}$`)
	policyARNPattern  = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::(aws|[0-9]{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]{1,128}$`)
	// aMIIDPattern is an image id: 8 hex digits (old) or 17 (current).
	aMIIDPattern = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	// instanceTypePattern is family.size, like t3.micro, m7g.large,
	// c6in.2xlarge, m7i-flex.large, u-6tb1.metal.
	instanceTypePattern = regexp.MustCompile(`^(a|c|d|f|g|h|i|im|is|inf|m|mac|p|r|t|trn|u-[0-9]+tb|vt|x|z|dl|hpc)[0-9]+[a-z]*(-flex)?\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)$`)
	// armFamilyPattern picks the Graviton (arm64) families: t4g, m7g, c7gn, a1.
	armFamilyPattern = regexp.MustCompile(`^([a-z]+[0-9]+g[a-z]*|a1)\.`)
)

// derivedNames are the AWS names stackwiz builds from the stack name,
// with AWS's limits, so that a valid stack name can never produce an
// invalid resource name.
var derivedNames = [...]struct {
	what, suffix, badPrefix string
	max                     int
}{
	// CreateLoadBalancer: at most 32 characters, must not begin with "internal-".
	{"load balancer name", "-alb", "internal-", 32},
	// CreateTargetGroup: at most 32 characters.
	{"target group name", "-tg", "", 32},
	// CreateRole: at most 64 characters.
	{"role name", "-app", "", 64},
	// CreateSecurityGroup: at most 255 characters, cannot start with "sg-".
	{"security group name", "-bastion", "sg-", 255},
	// CreateLaunchTemplate: 3 to 128 characters.
	{"launch template name", "-lt", "", 128},
	// CreateAutoScalingGroup: at most 255 characters.
	{"Auto Scaling group name", "-asg", "", 255},
}

func checkName(name string) *FieldError {
	if name == "" {
		return problem("is required", "set name: to a short lowercase name such as demo; it prefixes every resource")
	}
	if lower := strings.ToLower(name); lower != name && namePattern.MatchString(lower) {
		return problem(name+" has capital letters", "did you mean "+lower+"?")
	}
	if len(name) > 20 {
		return problem(fmt.Sprintf("%s is %d characters, more than 20", name, len(name)), "shorten it; it prefixes resource names that AWS limits to 32 characters")
	}
	if !namePattern.MatchString(name) {
		return problem(name+" has characters other than a-z, 0-9 and -", "use lowercase letters, digits and hyphens")
	}
	if strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
		return problem(name+" starts or ends with a hyphen", "remove the hyphen at the edge; load balancer names cannot have one")
	}
	for _, d := range derivedNames {
		derived := name + d.suffix
		if len(derived) > d.max {
			return problem(fmt.Sprintf("makes the %s %s, longer than AWS's %d characters", d.what, derived, d.max), "shorten the name")
		}
		if d.badPrefix != "" && strings.HasPrefix(derived, d.badPrefix) {
			return problem(fmt.Sprintf("makes the %s %s, and AWS forbids names starting with %q", d.what, derived, d.badPrefix), "choose a name that does not start with "+strings.TrimSuffix(d.badPrefix, "-"))
		}
	}
	return nil
}

// ValidateName checks the stack name and the AWS names derived from it.
func ValidateName(name string) error { return asError(checkName(name)) }

func checkRegion(region string) *FieldError {
	if region == "" || regionPattern.MatchString(region) {
		return nil // empty: from the profile or AWS_REGION
	}
	if last := region[len(region)-1]; last >= 'a' && last <= 'z' && regionPattern.MatchString(region[:len(region)-1]) {
		return problem(region+" is an Availability Zone, not a region", "did you mean "+region[:len(region)-1]+"?")
	}
	if i := strings.LastIndexAny(region, "abcdefghijklmnopqrstuvwxyz"); i > 0 && i < len(region)-1 {
		if fixed := region[:i+1] + "-" + region[i+1:]; regionPattern.MatchString(fixed) {
			return problem(region+" is not a region name", "did you mean "+fixed+"?")
		}
	}
	return problem(region+" is not a region name", "write it like us-east-1 or ap-northeast-2, or leave it empty to use the profile's")
}

// ValidateRegion checks a region name's form; empty is allowed (the
// profile's region). Whether the region exists is for AWS to say.
func ValidateRegion(region string) error { return bounded("region", region, checkRegion) }

func checkRoleName(name string) *FieldError {
	// CreateRole: 1 to 64 characters of [\w+=,.@-].
	if name == "" {
		return problem("is empty", "set a role name, or leave the field out to use <name>-app")
	}
	if len(name) > 64 {
		return problem(fmt.Sprintf("is %d characters, more than IAM's 64", len(name)), "shorten it")
	}
	if !iAMNamePattern.MatchString(name) {
		return problem(name+" has characters IAM does not allow in role names", "use letters, digits and + = , . @ _ -")
	}
	return nil
}

// ValidateRoleName checks an IAM role name.
func ValidateRoleName(name string) error { return asError(checkRoleName(name)) }

func checkManagedPolicy(policy string) *FieldError {
	if strings.HasPrefix(policy, "arn:") {
		if policyARNPattern.MatchString(policy) {
			return nil
		}
		return problem(policy+" is not an IAM policy ARN", "write arn:aws:iam::aws:policy/NAME for AWS managed policies, or just the NAME")
	}
	if policy == "" {
		return problem("is empty", "remove it, or write a policy name like AmazonSSMManagedInstanceCore")
	}
	if !policyNamePattern.MatchString(policy) {
		return problem(policy+" is not a managed policy name", "write an AWS managed policy name like AmazonSSMManagedInstanceCore, or a policy ARN")
	}
	return nil
}

// ValidateManagedPolicy checks one entry of iam.managed_policies: an AWS
// managed policy name or a policy ARN.
func ValidateManagedPolicy(policy string) error {
	if fe := checkLength(policy, 2048, "IAM's limit for a policy ARN"); fe != nil {
		return fe
	}
	return asError(checkManagedPolicy(policy))
}

// PolicyARN returns the ARN of a managed policy entry: an ARN as it is,
// a name as an AWS managed policy in the partition ("aws" commercially).
func PolicyARN(policy, partition string) string {
	if strings.HasPrefix(policy, "arn:") {
		return policy
	}
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":iam::aws:policy/" + policy
}

func checkAMISource(source string) *FieldError {
	switch source {
	case AMILatest, AMIExisting, AMIBake:
		return nil
	}
	return enumProblem(source, "is not latest, existing or bake", "use latest (the base's current image), existing (with ami.id) or bake (with ami.setup_script)",
		AMILatest, AMIExisting, AMIBake)
}

// ValidateAMISource checks ami.source.
func ValidateAMISource(source string) error {
	return bounded("ami.source", source, checkAMISource)
}

func checkAMIID(id string) *FieldError {
	if id == "" {
		return problem("is empty but ami.source is existing", "set ami.id to an image id like ami-0123456789abcdef0")
	}
	if !aMIIDPattern.MatchString(id) {
		return problem(id+" is not an image id", "image ids are ami- and 8 or 17 lowercase hex digits, like ami-0123456789abcdef0")
	}
	return nil
}

// ValidateAMIID checks an image id (ami.source: existing).
func ValidateAMIID(id string) error { return bounded("ami.id", id, checkAMIID) }

func checkAMIBase(base string) *FieldError {
	switch base {
	case BaseAmazonLinux2023, BaseUbuntu2204, BaseUbuntu2404:
		return nil
	}
	return enumProblem(base, "is not an offered base", "use amazon-linux-2023, ubuntu-22.04 or ubuntu-24.04",
		BaseAmazonLinux2023, BaseUbuntu2204, BaseUbuntu2404)
}

// ValidateAMIBase checks ami.base.
func ValidateAMIBase(base string) error { return bounded("ami.base", base, checkAMIBase) }

func checkInstanceType(t string) *FieldError {
	if !instanceTypePattern.MatchString(t) {
		fix := "write family.size, like t3.micro or m7i.large"
		if strings.Contains(t, "-") && !strings.Contains(t, ".") {
			fix = "did you mean " + strings.Replace(t, "-", ".", 1) + "?"
		} else if strings.ToLower(t) != t {
			fix = "did you mean " + strings.ToLower(t) + "?"
		}
		return problem(t+" is not an EC2 instance type", fix)
	}
	if _, ok := costInstanceHourly(t, "us-east-1"); !ok {
		return warning(t+" is not in stackwiz's price table", "the plan's cost estimate leaves the instances out; "+costOfferedTypesText())
	}
	return nil
}

// ValidateInstanceType checks instance.type's form; a type outside the
// price table is a warning (no cost estimate for it).
func ValidateInstanceType(t string) error {
	return bounded("instance.type", t, checkInstanceType)
}

// Architecture returns "arm64" for Graviton instance types and "x86_64"
// otherwise: the image the AMI step picks must match it.
func (s *Spec) Architecture() string {
	if armFamilyPattern.MatchString(s.Instance.Type) {
		return "arm64"
	}
	return "x86_64"
}

func checkPort(port int) *FieldError {
	if port < 1 || port > 65535 {
		return problem(fmt.Sprintf("%d is not a TCP port", port), "use the port your app listens on, 1 to 65535 (3000 for Express)")
	}
	if port == 22 {
		return warning("22 is SSH's port, and the load balancer would send web traffic to it", "set the port your app listens on (3000 for Express)")
	}
	return nil
}

// ValidatePort checks instance.port: 1–65535, and a warning for 22.
func ValidatePort(port int) error { return asError(checkPort(port)) }

// maxUserDataBytes is EC2's user data limit: "limited to 16 KB, in raw form,
// before it is base64-encoded" (RunInstances, RequestLaunchTemplateData).
const maxUserDataBytes = 16 * 1024

func checkScriptFile(path, baseDir string) *FieldError {
	if path == "" {
		return nil
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(baseDir, path)
	}
	f, err := os.Open(full)
	if err != nil {
		if os.IsNotExist(err) {
			return problem(path+" does not exist (looked for "+full+")", "check the path; a relative path is relative to the spec file's directory")
		}
		return problem(path+" cannot be read: "+err.Error(), "check the file's permissions")
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return problem(path+" cannot be read: "+err.Error(), "check the file")
	}
	if info.IsDir() {
		return problem(path+" is a directory", "name the script file itself")
	}
	if info.Size() > maxUserDataBytes {
		return problem(fmt.Sprintf("%s is %d bytes; EC2 limits user data to 16 KB (16384 bytes) before base64", path, info.Size()),
			"move the heavy work into the image (ami.source: bake) or have the script download the rest")
	}
	head := make([]byte, 64)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return problem(path+" cannot be read: "+err.Error(), "check the file")
	}
	head = head[:n]
	if !bytes.HasPrefix(head, []byte("#!")) && !bytes.HasPrefix(head, []byte("#cloud-config")) && !bytes.HasPrefix(head, []byte("Content-Type: multipart")) {
		return warning(path+" does not start with #! or #cloud-config, so cloud-init will not run it", "start it with a line like #!/bin/bash")
	}
	return nil
}

// ValidateScriptFile checks a user data or setup script file: it exists,
// is readable, fits EC2's 16 KB, and (a warning) starts with #! or
// #cloud-config. A relative path is resolved against baseDir.
func ValidateScriptFile(path, baseDir string) error {
	return asError(checkScriptFile(path, baseDir))
}

func checkVolumeGiB(gib int, offeredImage bool) *FieldError {
	if gib == 0 {
		return nil // the image's root snapshot size, read at apply
	}
	// gp3 volumes are 1 GiB to 16 TiB (EBS User Guide, "Amazon EBS volume types").
	if gib < 1 || gib > 16384 {
		return problem(fmt.Sprintf("%d GiB is outside gp3's 1 to 16384 GiB", gib), "use 8 or more, or 0 (or leave it out) for the image's root snapshot size")
	}
	// The root snapshots of Amazon Linux 2023 and Ubuntu images are 8 GiB,
	// and a root volume cannot be smaller than its snapshot.
	if offeredImage && gib < 8 {
		return problem(fmt.Sprintf("%d GiB is smaller than the image's 8 GiB root snapshot", gib), "use 8 or more")
	}
	return nil
}

// ValidateVolumeGiB checks instance.volume_gib for the images stackwiz offers.
func ValidateVolumeGiB(gib int) error { return asError(checkVolumeGiB(gib, true)) }

func checkKeyName(name string) *FieldError {
	// CreateKeyPair: up to 255 ASCII characters.
	if len(name) > 255 {
		return problem("is longer than EC2's 255 characters", "use the name of an existing key pair")
	}
	for _, r := range name {
		if r > 127 {
			return problem(name+" is not ASCII", "use the name of an existing key pair")
		}
	}
	return nil
}

// ValidateKeyName checks instance.key_name; empty is allowed (no key pair).
func ValidateKeyName(name string) error { return asError(checkKeyName(name)) }

// validateIAM checks the iam section.
func (s *Spec) validateIAM(c *collector) {
	role := s.IAM.RoleName
	if role == "" && s.Name != "" {
		role = s.DefaultRoleName()
	}
	if role != "" || c.explicit("iam.role_name") {
		c.at("iam.role_name", role, checkRoleName(role))
	}
	seen := map[string]int{}
	hasSSM := false
	for i, p := range s.IAM.ManagedPolicies {
		path := fmt.Sprintf("iam.managed_policies[%d]", i)
		c.at(path, p, checkManagedPolicy(p))
		name := p[strings.LastIndex(p, "/")+1:]
		if first, dup := seen[name]; dup {
			c.at(path, p, warning(fmt.Sprintf("repeats iam.managed_policies[%d]", first), "remove one"))
		}
		seen[name] = i
		hasSSM = hasSSM || name == "AmazonSSMManagedInstanceCore"
	}
	if !hasSSM && !s.Network.Bastion.Enabled {
		c.at("iam.managed_policies", s.IAM.ManagedPolicies, warning("has no AmazonSSMManagedInstanceCore and there is no bastion, so nothing can open a shell on an instance",
			"add AmazonSSMManagedInstanceCore (Session Manager) or enable network.bastion"))
	}
}

// validateAMI checks the ami section.
func (s *Spec) validateAMI(c *collector, env ValidateEnv) {
	a := s.AMI
	c.at("ami.source", a.Source, checkAMISource(a.Source))
	switch a.Source {
	case AMIExisting:
		c.at("ami.id", a.ID, checkAMIID(a.ID))
	case AMIBake:
		if a.SetupScript == "" {
			c.at("ami.setup_script", "", problem("is empty but ami.source is bake", "name the script that installs the app on the builder instance, or use ami.source: latest"))
		} else {
			c.at("ami.setup_script", a.SetupScript, checkScriptFile(a.SetupScript, env.BaseDir))
		}
	}
	if a.Source != AMIExisting && a.ID != "" {
		c.at("ami.id", a.ID, warning("is ignored unless ami.source is existing", "remove it, or set ami.source: existing"))
	}
	if a.Source != AMIBake && a.SetupScript != "" {
		c.at("ami.setup_script", a.SetupScript, warning("is ignored unless ami.source is bake", "remove it, or set ami.source: bake"))
	}
	if a.Source != AMIExisting || c.explicit("ami.base") {
		c.at("ami.base", a.Base, checkAMIBase(a.Base))
	}
}

// validateInstance checks the instance section.
func (s *Spec) validateInstance(c *collector, env ValidateEnv) {
	in := s.Instance
	c.at("instance.type", in.Type, checkInstanceType(in.Type))
	if env.TypeZones != nil {
		c.at("instance.type", in.Type, checkTypeZones(in.Type, env.TypeZones, s.Network.AZs))
	}
	c.at("instance.port", in.Port, checkPort(in.Port))
	if in.UserData != "" {
		c.at("instance.user_data", in.UserData, checkScriptFile(in.UserData, env.BaseDir))
	} else if s.AMI.Source == AMILatest {
		c.at("instance.user_data", "", warning("is empty and ami.source is latest: the instances boot a plain "+s.AMI.Base+" image with nothing listening on port "+fmt.Sprint(in.Port)+", so they never pass the health check",
			"name a script that installs and starts the app, or bake an image (ami.source: bake)"))
	}
	c.at("instance.volume_gib", in.VolumeGiB, checkVolumeGiB(in.VolumeGiB, s.AMI.Source != AMIExisting))
	c.at("instance.key_name", in.KeyName, checkKeyName(in.KeyName))
	s.validateEgress(c)
	s.validateLogs(c)
}

// checkTypeZones refuses a type offered in fewer zones than the stack
// spans: the group could not launch in the others.
func checkTypeZones(instanceType string, zones []string, azs int) *FieldError {
	switch {
	case len(zones) == 0:
		return problem(instanceType+" is not offered in this region", "choose a type the region offers, such as t3.micro or t3.small")
	case len(zones) < azs:
		fix := fmt.Sprintf("choose a type offered in %d zones, or set network.azs to %d", azs, len(zones))
		if len(zones) < 2 {
			fix = "choose a type offered in at least two zones (a load balancer needs two)"
		}
		return problem(fmt.Sprintf("%s is offered in only %d of the region's zones (%s) and network.azs is %d", instanceType, len(zones), strings.Join(zones, ", "), azs), fix)
	}
	return nil
}

// enumProblem reports a value outside allowed, suggesting the allowed
// value it is probably a typo of (New, per_az, ubuntu-24.4, ...).
func enumProblem(value, text, fix string, allowed ...string) *FieldError {
	norm := strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(strings.TrimSpace(value)))
	if best := closest(norm, allowed); best != "" {
		fix = "did you mean " + best + "?"
	}
	return problem(fmt.Sprintf("%q ", value)+text, fix)
}
