package wizard

import (
	"github.com/stackwiz/stackwiz/spec"
	"fmt"
	"slices"
	"strings"

	"charm.land/huh/v2"

	"github.com/stackwiz/stackwiz/steps"
)

// formContext is what a form needs besides the answers it edits.
type formContext struct {
	found   *found
	sandbox bool
	baseDir string
	// check is the validator of a field: the step's blocking problems at
	// that path, from the same functions as the spec's validation, with
	// cross-field ones moved onto the field the user can change.
	check func(path string) error
}

// fieldFor is a text field bound to a's value at path, validated by the
// same function as the spec (a warning does not stop the form).
func fieldFor(_ *answers, fc formContext, path, title string, value *string) *huh.Input {
	in := huh.NewInput().Key(path).Title(title + ":").Prompt(" ").Value(value).Inline(true)
	if fc.check != nil {
		in = in.Validate(func(string) error { return fc.check(path) })
	}
	return in
}

// option builds a select option.
func option(label, value string) huh.Option[string] { return huh.NewOption(label, value) }

// buildForm returns the form of step, bound to a.
func buildForm(step steps.StepID, a *answers, fc formContext) *huh.Form {
	var groups []*huh.Group
	switch step {
	case steps.StepIdentity:
		groups = identityForm(a, fc)
	case steps.StepIAM:
		groups = iamForm(a, fc)
	case steps.StepNetwork:
		groups = networkForm(a, fc)
	case steps.StepSecurity:
		ports := "80"
		if a.HTTPS {
			ports = "80 and 443"
		}
		groups = []*huh.Group{huh.NewGroup(
			fieldFor(a, fc, "instance.port", "App port", &a.Port),
			huh.NewSelect[string]().Key("instance.egress").Title("Egress").Options(
				option("restricted — only what the stack needs (HTTPS out; HTTP too for Ubuntu's mirrors)", spec.EgressRestricted),
				option("all — every port to anywhere (AWS's default)", spec.EgressAll),
			).Value(&a.Egress),
			huh.NewNote().Title("Security groups").Description(
				"The load balancer admits "+ports+" from anywhere, and reaches only the app port of the instances.\n"+
					"The instances admit the app port only from the load balancer's group — not from the internet.\n"+
					"SSH goes through the bastion, if there is one.\n"+
					"The app needs more ports out (a database, SMTP)? List them in stack.yaml, under instance: egress ports."),
		)}
	case steps.StepAMI:
		groups = amiForm(a, fc)
	case steps.StepLaunchTemplate:
		groups = launchTemplateForm(a, fc)
	case steps.StepCertificate:
		groups = []*huh.Group{
			huh.NewGroup(huh.NewConfirm().Key("load_balancer.https").Title("HTTPS").Value(&a.HTTPS).Inline(true).
				Affirmative("Yes").Negative("No")),
			huh.NewGroup(
				zoneField(a, fc),
				fieldFor(a, fc, "dns.record", "Name", &a.Record),
			).WithHideFunc(func() bool { return !a.HTTPS }),
		}
	case steps.StepLoadBalancer:
		groups = []*huh.Group{
			huh.NewGroup(
				fieldFor(a, fc, "load_balancer.health_check.path", "Health check path", &a.HCPath),
				fieldFor(a, fc, "load_balancer.health_check.interval_seconds", "Interval (s)", &a.HCInterval),
				fieldFor(a, fc, "load_balancer.health_check.timeout_seconds", "Timeout (s)", &a.HCTimeout),
			),
			huh.NewGroup(
				fieldFor(a, fc, "load_balancer.health_check.healthy_threshold", "Healthy after", &a.HCHealthy),
				fieldFor(a, fc, "load_balancer.health_check.unhealthy_threshold", "Unhealthy after", &a.HCUnhealthy),
				fieldFor(a, fc, "load_balancer.health_check.success_codes", "Success codes", &a.HCCodes),
			),
			huh.NewGroup(ipTypeSelect(a), logsConfirm("load_balancer.access_logs.enabled", "Access logs",
				"One line per request to an S3 bucket of the stack's, kept 90 days (Security Hub ELB.5). S3 storage, about $0.023 per GB-month; destroy deletes them.", &a.AccessLogs)),
		}
	case steps.StepAutoscaling:
		groups = autoscalingForm(a, fc)
	case steps.StepDNS:
		groups = []*huh.Group{huh.NewGroup(
			zoneField(a, fc),
			fieldFor(a, fc, "dns.record", "Name", &a.Record),
		)}
	case steps.StepAlarms:
		groups = []*huh.Group{huh.NewGroup(
			fieldFor(a, fc, "alarms.email", "Email", &a.Email).Placeholder("optional, e.g. you@example.com"),
			fieldFor(a, fc, "alarms.billing_threshold_usd", "Billing alarm $", &a.BillingLimit),
			huh.NewConfirm().Key("alarms.encrypt_topic").Title("Encrypt the alarm topics (a KMS key each, $1/month)").
				Value(&a.EncryptTopic).Inline(true).Affirmative("Yes").Negative("No"),
		)}
	}
	// The panel under the form shows the problems (fieldcheck.go): huh's
	// own would push the form past its height and cut them off.
	return huh.NewForm(groups...).WithShowHelp(false).WithShowErrors(false).WithKeyMap(formKeyMap())
}

func identityForm(a *answers, fc formContext) []*huh.Group {
	// The name comes first: it is the one answer with no default, and what
	// a first-time user types as soon as the wizard opens.
	fields := []huh.Field{fieldFor(a, fc, "name", "Stack name", &a.Name).Placeholder("e.g. demo").CharLimit(20)}
	if !fc.sandbox {
		opts := []huh.Option[string]{option("(environment / default chain)", "")}
		for _, p := range fc.found.profiles {
			label := p.Name
			if p.Kind != "" {
				label += " · " + p.Kind
			}
			if p.Region != "" {
				label += " · " + p.Region
			}
			opts = append(opts, option(label, p.Name))
		}
		if a.Profile != "" && !slices.ContainsFunc(fc.found.profiles, func(p awsProfile) bool { return p.Name == a.Profile }) {
			opts = append(opts, option(a.Profile+" (from --profile)", a.Profile))
		}
		fields = append(fields, huh.NewSelect[string]().Key("profile").Title("Profile").Options(opts...).Value(&a.Profile).Inline(true))
	}
	region := fieldFor(a, fc, "region", "Region", &a.Region).Placeholder("us-east-1")
	if len(fc.found.regions) > 0 {
		region = region.Suggestions(fc.found.regions)
	} else {
		region = region.Suggestions(commonRegions)
	}
	fields = append(fields, region)
	return []*huh.Group{huh.NewGroup(fields...)}
}

// commonRegions are offered before the account can be asked for its own.
var commonRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "sa-east-1",
}

// knownPolicies are the managed policies offered; the spec may add others.
var knownPolicies = []struct{ name, why string }{
	{"AmazonSSMManagedInstanceCore", "shell through Session Manager, no SSH keys"},
	{"CloudWatchAgentServerPolicy", "ship logs and memory metrics"},
	{"AmazonS3ReadOnlyAccess", "read S3 (app assets, configs)"},
	{"AmazonEC2ContainerRegistryReadOnly", "pull images from ECR"},
	{"SecretsManagerReadWrite", "read secrets (broad: prefer a scoped policy)"},
}

func iamForm(a *answers, fc formContext) []*huh.Group {
	var opts []huh.Option[string]
	for _, p := range knownPolicies {
		opts = append(opts, option(p.name, p.name))
	}
	for _, p := range a.Policies {
		if !slices.ContainsFunc(knownPolicies, func(k struct{ name, why string }) bool { return k.name == p }) {
			opts = append(opts, option(p, p))
		}
	}
	for i := range opts {
		if slices.Contains(a.Policies, opts[i].Value) {
			opts[i] = opts[i].Selected(true)
		}
	}
	return []*huh.Group{huh.NewGroup(
		fieldFor(a, fc, "iam.role_name", "Role name", &a.RoleName),
		huh.NewMultiSelect[string]().Key("iam.managed_policies").Title("Managed policies").Options(opts...).
			Value(&a.Policies).Height(len(opts)+2).
			Validate(func([]string) error { return fc.check("iam.managed_policies") }),
	)}
}

func networkForm(a *answers, fc formContext) []*huh.Group {
	vpcs := []huh.Option[string]{option("new — a VPC for this stack", spec.VPCNew)}
	for _, v := range fc.found.vpcs {
		if v.Default {
			vpcs = append(vpcs, option("default — "+v.ID+" "+v.CIDR+" (public subnets only)", spec.VPCDefault))
			continue
		}
		label := v.ID + " " + v.CIDR
		if v.Name != "" {
			label += " " + v.Name
		}
		if v.Stack != "" {
			label += " (stack " + v.Stack + ")"
		}
		vpcs = append(vpcs, option(label, v.ID))
	}
	if fc.found.done[lookVPCs] && !slices.ContainsFunc(fc.found.vpcs, func(v awsVPC) bool { return v.Default }) {
		// No default VPC in the region: offering it would fail at apply.
	} else if !fc.found.done[lookVPCs] {
		vpcs = append(vpcs, option("default", spec.VPCDefault))
	}
	if a.VPC != "" && !slices.ContainsFunc(vpcs, func(o huh.Option[string]) bool { return o.Value == a.VPC }) {
		vpcs = append(vpcs, option(a.VPC, a.VPC))
	}
	regionAZs := len(fc.found.azs)
	azs := []huh.Option[int]{huh.NewOption(azLabel(2, fc.found.azs), 2)}
	if regionAZs == 0 || regionAZs >= 3 {
		azs = append(azs, huh.NewOption(azLabel(3, fc.found.azs), 3))
	}
	nat := []huh.Option[string]{
		option("single — one NAT gateway, cheaper", spec.NATSingle),
		option("per-az — one per AZ, an AZ outage stays local", spec.NATPerAZ),
		option("none — instances in public subnets", spec.NATNone),
	}
	ssh := fieldFor(a, fc, "network.bastion.ssh_from", "SSH from", &a.SSHFrom)
	if fc.found.publicIP != "" {
		ssh = ssh.Suggestions([]string{"auto", fc.found.publicIP + "/32"})
	}
	return []*huh.Group{
		huh.NewGroup(
			huh.NewSelect[string]().Key("network.vpc").Title("VPC").Options(vpcs...).Value(&a.VPC),
			huh.NewSelect[int]().Key("network.azs").Title("AZs").Options(azs...).Value(&a.AZs).Inline(true),
		),
		huh.NewGroup(
			fieldFor(a, fc, "network.cidr", "CIDR", &a.CIDR),
			huh.NewSelect[string]().Key("network.nat").Title("NAT").Options(nat...).Value(&a.NAT),
		).WithHideFunc(func() bool { return a.VPC != spec.VPCNew }),
		huh.NewGroup(
			huh.NewConfirm().Key("network.bastion.enabled").Title("Bastion host").Value(&a.Bastion).Inline(true).Affirmative("Yes").Negative("No"),
		),
		huh.NewGroup(ssh).WithHideFunc(func() bool { return !a.Bastion }),
		huh.NewGroup(logsConfirm("network.flow_logs.enabled", "VPC flow logs",
			"Every connection accepted or rejected in the VPC, to an S3 bucket of the stack's, kept 90 days (Security Hub EC2.6). About $0.25 per GB delivered plus storage; destroy deletes them.", &a.FlowLogs)),
	}
}

func azLabel(n int, azs []string) string {
	if len(azs) >= n {
		return fmt.Sprintf("%d (%s)", n, strings.Join(azs[:n], ", "))
	}
	return fmt.Sprint(n)
}

func amiForm(a *answers, fc formContext) []*huh.Group {
	latest := "latest — the base's current public image"
	id := fieldFor(a, fc, "ami.id", "Image id", &a.AMIID).Placeholder("ami-0123456789abcdef0")
	if fc.found.image != "" {
		id = id.Suggestions([]string{fc.found.image})
	}
	return []*huh.Group{
		huh.NewGroup(huh.NewSelect[string]().Key("ami.source").Title("Image").Options(
			option(latest, spec.AMILatest),
			option("bake — run a setup script on a builder, keep the image", spec.AMIBake),
			option("existing — an image id you have", spec.AMIExisting),
		).Value(&a.AMISource)),
		huh.NewGroup(huh.NewSelect[string]().Key("ami.base").Title("Base").Options(
			option("Amazon Linux 2023", spec.BaseAmazonLinux2023),
			option("Ubuntu 24.04", spec.BaseUbuntu2404),
			option("Ubuntu 22.04", spec.BaseUbuntu2204),
		).Value(&a.AMIBase).Inline(true)).WithHideFunc(func() bool { return a.AMISource == spec.AMIExisting }),
		huh.NewGroup(id).WithHideFunc(func() bool { return a.AMISource != spec.AMIExisting }),
		huh.NewGroup(fieldFor(a, fc, "ami.setup_script", "Setup script", &a.SetupScript).Placeholder("e.g. ./setup.sh")).
			WithHideFunc(func() bool { return a.AMISource != spec.AMIBake }),
	}
}

// offeredTypes are the instance types suggested as you type.
var offeredTypes = []string{"t3.micro", "t3.small", "t3.medium", "t3a.micro", "t3a.small", "t4g.micro", "t4g.small", "t2.micro", "m7i.large", "c7i.large"}

func launchTemplateForm(a *answers, fc formContext) []*huh.Group {
	keys := []huh.Option[string]{option("none — use Session Manager", "")}
	for _, k := range fc.found.keyPairs {
		keys = append(keys, option(k, k))
	}
	if a.KeyName != "" && !slices.Contains(fc.found.keyPairs, a.KeyName) {
		keys = append(keys, option(a.KeyName+" (not found in the region)", a.KeyName))
	}
	return []*huh.Group{
		huh.NewGroup(
			fieldFor(a, fc, "instance.type", "Instance type", &a.Type).Suggestions(offeredTypes),
			fieldFor(a, fc, "instance.volume_gib", "Volume GiB", &a.Volume).Placeholder("the image's root size (8 on AWS)"),
			fieldFor(a, fc, "instance.user_data", "User data", &a.UserData).Placeholder("e.g. ./start.sh (optional)"),
		),
		huh.NewGroup(huh.NewSelect[string]().Key("instance.key_name").Title("Key pair").Options(keys...).Value(&a.KeyName)),
	}
}

func zoneField(a *answers, fc formContext) *huh.Input {
	in := fieldFor(a, fc, "dns.zone", "Hosted zone", &a.Zone).Placeholder("example.com")
	var names []string
	for _, z := range fc.found.zones {
		if !z.Private {
			names = append(names, z.Name)
		}
	}
	if len(names) > 0 {
		in = in.Suggestions(names)
	}
	return in
}

func autoscalingForm(a *answers, fc formContext) []*huh.Group {
	return []*huh.Group{
		huh.NewGroup(
			fieldFor(a, fc, "autoscaling.min", "Min", &a.Min),
			fieldFor(a, fc, "autoscaling.desired", "Desired", &a.Desired),
			fieldFor(a, fc, "autoscaling.max", "Max", &a.Max),
			fieldFor(a, fc, "autoscaling.health_check_grace_seconds", "Grace period (s)", &a.Grace),
			fieldFor(a, fc, "autoscaling.cpu_target_percent", "CPU target %", &a.CPUTarget),
		),
		huh.NewGroup(newPolicyPicker("autoscaling.termination_policies", "Termination policies", &a.Termination,
			func([]string) error { return fc.check("autoscaling.termination_policies") })),
	}
}
