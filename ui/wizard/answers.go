package wizard

import (
	"github.com/stackwiz/stackwiz/spec"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/steps"
)

// answers are the form fields of every step, as the forms edit them: text
// for numbers, so that what the user types is kept while it is not a number
// yet. A step's form binds to its fields; submitting the form writes them
// into the draft spec (apply).
type answers struct {
	Profile string
	Region  string
	Name    string

	RoleName string
	Policies []string

	VPC     string
	CIDR    string
	AZs     int
	NAT     string
	Bastion bool
	SSHFrom string

	Port   string
	Egress string

	AMISource   string
	AMIBase     string
	AMIID       string
	SetupScript string

	Type     string
	Volume   string
	KeyName  string
	UserData string

	HTTPS  bool
	Zone   string
	Record string

	HCPath      string
	HCInterval  string
	HCTimeout   string
	HCHealthy   string
	HCUnhealthy string
	HCCodes     string
	IPType      string

	Min          string
	Desired      string
	Max          string
	Termination  []string
	Grace        string
	CPUTarget    string
	Email        string
	BillingLimit string
	EncryptTopic bool

	FlowLogs   bool
	AccessLogs bool
}

func itoa(n int) string { return strconv.Itoa(n) }

// volumeText shows instance.volume_gib: empty when the size is left to
// the image (0), so the field's placeholder can say so.
func volumeText(gib int) string {
	if gib == 0 {
		return ""
	}
	return itoa(gib)
}

// volumeNumber reads the volume field back: empty is 0, the image's size.
func volumeNumber(text string, keep int) int {
	if strings.TrimSpace(text) == "" {
		return 0
	}
	return number(text, keep)
}

// answersFrom fills the fields from a spec.
func answersFrom(s *spec.Spec, profile string) *answers {
	hc := s.LoadBalancer.HealthCheck
	billing := ""
	if s.Alarms.BillingThresholdUSD > 0 {
		billing = strconv.FormatFloat(s.Alarms.BillingThresholdUSD, 'f', -1, 64)
	} else {
		billing = "0"
	}
	role := s.IAM.RoleName
	if role == "" && s.Name != "" {
		role = s.DefaultRoleName()
	}
	return &answers{
		Profile: profile, Region: s.Region, Name: s.Name,
		RoleName: role, Policies: slices.Clone(s.IAM.ManagedPolicies),
		VPC: s.Network.VPC, CIDR: s.Network.CIDR, AZs: s.Network.AZs, NAT: s.Network.NAT,
		Bastion: s.Network.Bastion.Enabled, SSHFrom: s.Network.Bastion.SSHFrom,
		Port: itoa(s.Instance.Port), Egress: s.Instance.Egress,
		AMISource: s.AMI.Source, AMIBase: s.AMI.Base, AMIID: s.AMI.ID, SetupScript: s.AMI.SetupScript,
		Type: s.Instance.Type, Volume: volumeText(s.Instance.VolumeGiB), KeyName: s.Instance.KeyName, UserData: s.Instance.UserData,
		HTTPS: s.LoadBalancer.HTTPS, Zone: s.DNS.Zone, Record: s.DNS.Record,
		HCPath: hc.Path, HCInterval: itoa(hc.IntervalSeconds), HCTimeout: itoa(hc.TimeoutSeconds),
		HCHealthy: itoa(hc.HealthyThreshold), HCUnhealthy: itoa(hc.UnhealthyThreshold), HCCodes: hc.SuccessCodes,
		IPType: s.LoadBalancer.IPAddressType, Min: itoa(s.Autoscaling.Min), Desired: itoa(s.Autoscaling.Desired), Max: itoa(s.Autoscaling.Max),
		Termination: slices.Clone(s.Autoscaling.TerminationPolicies),
		Grace:       itoa(s.Autoscaling.HealthCheckGraceSeconds), CPUTarget: itoa(s.Autoscaling.CPUTargetPercent),
		Email: s.Alarms.Email, BillingLimit: billing, EncryptTopic: s.Alarms.EncryptTopic,
		FlowLogs: s.Network.FlowLogs.Enabled, AccessLogs: s.LoadBalancer.AccessLogs.Enabled,
	}
}

// number reads a field that validation has accepted; a field that is not a
// number keeps the spec's value (validation blocks the form meanwhile).
func number(text string, keep int) int {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return keep
	}
	return n
}

// applyTo writes the fields of step into s.
func (a *answers) applyTo(s *spec.Spec, step steps.StepID) {
	switch step {
	case steps.StepIdentity:
		// The role follows a renamed stack unless it was named by hand.
		followsName := s.IAM.RoleName == "" || s.IAM.RoleName == s.DefaultRoleName()
		s.Name, s.Region = strings.TrimSpace(a.Name), strings.TrimSpace(a.Region)
		if followsName {
			s.IAM.RoleName = s.DefaultRoleName()
		}
	case steps.StepIAM:
		s.IAM.RoleName = strings.TrimSpace(a.RoleName)
		s.IAM.ManagedPolicies = slices.Clone(a.Policies)
	case steps.StepNetwork:
		n := &s.Network
		n.VPC, n.AZs = a.VPC, a.AZs
		if a.VPC == spec.VPCNew {
			n.CIDR, n.NAT = strings.TrimSpace(a.CIDR), a.NAT
		}
		n.Bastion.Enabled = a.Bastion
		n.Bastion.SSHFrom = strings.TrimSpace(a.SSHFrom)
		n.FlowLogs.Enabled = a.FlowLogs
	case steps.StepSecurity:
		s.Instance.Port = number(a.Port, s.Instance.Port)
		if a.Egress != "" { // a draft from before the field existed keeps the spec's
			s.Instance.Egress = a.Egress
		}
	case steps.StepAMI:
		s.AMI.Source, s.AMI.Base = a.AMISource, a.AMIBase
		s.AMI.ID, s.AMI.SetupScript = "", ""
		switch a.AMISource {
		case spec.AMIExisting:
			s.AMI.ID = strings.TrimSpace(a.AMIID)
		case spec.AMIBake:
			s.AMI.SetupScript = strings.TrimSpace(a.SetupScript)
		}
	case steps.StepLaunchTemplate:
		s.Instance.Type = strings.TrimSpace(a.Type)
		s.Instance.VolumeGiB = volumeNumber(a.Volume, s.Instance.VolumeGiB)
		s.Instance.KeyName = a.KeyName
		s.Instance.UserData = strings.TrimSpace(a.UserData)
	case steps.StepCertificate:
		s.LoadBalancer.HTTPS = a.HTTPS
		if a.HTTPS {
			s.DNS.Zone, s.DNS.Record = strings.TrimSpace(a.Zone), strings.TrimSpace(a.Record)
		}
	case steps.StepLoadBalancer:
		hc := &s.LoadBalancer.HealthCheck
		hc.Path = strings.TrimSpace(a.HCPath)
		hc.IntervalSeconds = number(a.HCInterval, hc.IntervalSeconds)
		hc.TimeoutSeconds = number(a.HCTimeout, hc.TimeoutSeconds)
		hc.HealthyThreshold = number(a.HCHealthy, hc.HealthyThreshold)
		hc.UnhealthyThreshold = number(a.HCUnhealthy, hc.UnhealthyThreshold)
		hc.SuccessCodes = strings.TrimSpace(a.HCCodes)
		if a.IPType != "" { // a draft from before the field existed keeps the spec's
			s.LoadBalancer.IPAddressType = a.IPType
		}
		s.LoadBalancer.AccessLogs.Enabled = a.AccessLogs
	case steps.StepAutoscaling:
		as := &s.Autoscaling
		as.Min, as.Desired, as.Max = number(a.Min, as.Min), number(a.Desired, as.Desired), number(a.Max, as.Max)
		as.TerminationPolicies = slices.Clone(a.Termination) // in the order chosen: AWS applies them so
		as.HealthCheckGraceSeconds = number(a.Grace, as.HealthCheckGraceSeconds)
		as.CPUTargetPercent = number(a.CPUTarget, as.CPUTargetPercent)
	case steps.StepDNS:
		s.DNS.Zone, s.DNS.Record = strings.TrimSpace(a.Zone), strings.TrimSpace(a.Record)
		if s.DNS.Zone == "" {
			s.LoadBalancer.HTTPS = false
		}
	case steps.StepAlarms:
		s.Alarms.Email = strings.TrimSpace(a.Email)
		s.Alarms.EncryptTopic = a.EncryptTopic
		if f, err := strconv.ParseFloat(strings.TrimSpace(a.BillingLimit), 64); err == nil {
			s.Alarms.BillingThresholdUSD = f
		}
	}
}

// stepOfPath returns the step whose form edits the spec field at path.
func stepOfPath(path string) steps.StepID {
	base, _, _ := strings.Cut(path, "[")
	switch {
	case base == "name" || base == "region":
		return steps.StepIdentity
	case strings.HasPrefix(base, "iam"):
		return steps.StepIAM
	case strings.HasPrefix(base, "network"):
		return steps.StepNetwork
	case base == "instance.port" || base == "instance.egress" || base == "instance.egress_ports":
		return steps.StepSecurity
	case strings.HasPrefix(base, "ami"):
		return steps.StepAMI
	case strings.HasPrefix(base, "instance"):
		return steps.StepLaunchTemplate
	case base == "load_balancer.https":
		return steps.StepCertificate
	case strings.HasPrefix(base, "load_balancer"):
		return steps.StepLoadBalancer
	case strings.HasPrefix(base, "autoscaling"):
		return steps.StepAutoscaling
	case strings.HasPrefix(base, "dns"):
		return steps.StepDNS
	case strings.HasPrefix(base, "alarms"):
		return steps.StepAlarms
	}
	return steps.StepIdentity
}

// problem is one validation result for a form field.
type problem struct {
	Path    string
	Text    string
	Warning bool
}

// fieldProblems turns a validator's error into problems at path.
func fieldProblems(path string, err error) []problem {
	var out []problem
	for _, e := range spec.SplitErrors(err) {
		var fe *spec.FieldError
		if errors.As(e, &fe) {
			p := fe.Path
			if p == "" {
				p = path
			}
			text := fe.Problem
			if fe.Fix != "" {
				text += ": " + fe.Fix
			}
			out = append(out, problem{Path: p, Text: text, Warning: fe.IsWarning()})
			continue
		}
		out = append(out, problem{Path: path, Text: e.Error()})
	}
	return out
}

// validators are the field validators of every form field, by spec path:
// the same functions the spec loader runs (steps.Validate*). They see the
// whole answers, for fields checked against another (timeout < interval,
// record inside zone, min ≤ desired ≤ max).
var validators = map[string]func(a *answers, baseDir string) error{
	"name":                 func(a *answers, _ string) error { return spec.ValidateName(strings.TrimSpace(a.Name)) },
	"region":               func(a *answers, _ string) error { return spec.ValidateRegion(strings.TrimSpace(a.Region)) },
	"iam.role_name":        func(a *answers, _ string) error { return spec.ValidateRoleName(strings.TrimSpace(a.RoleName)) },
	"iam.managed_policies": func(a *answers, _ string) error { return joinEach(a.Policies, spec.ValidateManagedPolicy) },
	"network.vpc":          func(a *answers, _ string) error { return spec.ValidateVPC(a.VPC) },
	"network.cidr": func(a *answers, _ string) error {
		if a.VPC != spec.VPCNew {
			return nil
		}
		return spec.ValidateCIDR(strings.TrimSpace(a.CIDR))
	},
	"network.nat": func(a *answers, _ string) error { return spec.ValidateNAT(a.NAT) },
	"network.bastion.ssh_from": func(a *answers, _ string) error {
		err := spec.ValidateSSHFrom(strings.TrimSpace(a.SSHFrom))
		if !a.Bastion && spec.ValidateBlocking(err) == nil {
			return nil // no bastion: nothing is open, so a warning is moot
		}
		return err
	},
	"instance.port": func(a *answers, _ string) error { return spec.ValidateNumber(a.Port, spec.ValidatePort) },
	"ami.source":    func(a *answers, _ string) error { return spec.ValidateAMISource(a.AMISource) },
	"ami.base":      func(a *answers, _ string) error { return spec.ValidateAMIBase(a.AMIBase) },
	"ami.id": func(a *answers, _ string) error {
		if a.AMISource != spec.AMIExisting {
			return nil
		}
		return spec.ValidateAMIID(strings.TrimSpace(a.AMIID))
	},
	"ami.setup_script": func(a *answers, dir string) error {
		if a.AMISource != spec.AMIBake {
			return nil
		}
		if strings.TrimSpace(a.SetupScript) == "" {
			return &spec.FieldError{Problem: "is empty but the image is baked", Fix: "name the script that installs the app on the builder instance"}
		}
		return spec.ValidateScriptFile(strings.TrimSpace(a.SetupScript), dir)
	},
	"instance.type": func(a *answers, _ string) error { return spec.ValidateInstanceType(strings.TrimSpace(a.Type)) },
	"instance.volume_gib": func(a *answers, _ string) error {
		if strings.TrimSpace(a.Volume) == "" {
			return nil // the image's root snapshot size
		}
		return spec.ValidateNumber(a.Volume, spec.ValidateVolumeGiB)
	},
	"instance.key_name": func(a *answers, _ string) error { return spec.ValidateKeyName(a.KeyName) },
	"instance.user_data": func(a *answers, dir string) error {
		return spec.ValidateScriptFile(strings.TrimSpace(a.UserData), dir)
	},
	"dns.zone": func(a *answers, _ string) error {
		if a.HTTPS && strings.TrimSpace(a.Zone) == "" {
			return &spec.FieldError{Problem: "is empty but HTTPS needs it", Fix: "name the hosted zone the certificate is validated in, like example.com"}
		}
		return spec.ValidateDNSZone(strings.TrimSpace(a.Zone))
	},
	"dns.record": func(a *answers, _ string) error {
		return spec.ValidateDNSRecord(strings.TrimSpace(a.Record), strings.TrimSpace(a.Zone))
	},
	"load_balancer.health_check.path": func(a *answers, _ string) error {
		return spec.ValidateHealthCheckPath(strings.TrimSpace(a.HCPath))
	},
	"load_balancer.health_check.interval_seconds": func(a *answers, _ string) error {
		return spec.ValidateNumber(a.HCInterval, spec.ValidateHealthCheckInterval)
	},
	"load_balancer.health_check.timeout_seconds": func(a *answers, _ string) error {
		interval := number(a.HCInterval, 300)
		return spec.ValidateNumber(a.HCTimeout, func(t int) error { return spec.ValidateHealthCheckTimeout(t, interval) })
	},
	"load_balancer.health_check.healthy_threshold": func(a *answers, _ string) error {
		return spec.ValidateNumber(a.HCHealthy, spec.ValidateThreshold)
	},
	"load_balancer.health_check.unhealthy_threshold": func(a *answers, _ string) error {
		return spec.ValidateNumber(a.HCUnhealthy, spec.ValidateThreshold)
	},
	"load_balancer.health_check.success_codes": func(a *answers, _ string) error {
		return spec.ValidateSuccessCodes(strings.TrimSpace(a.HCCodes))
	},
	"load_balancer.ip_address_type": func(a *answers, _ string) error {
		return spec.ValidateIPAddressType(a.IPType)
	},
	"autoscaling.min":     capacityCheck("autoscaling.min"),
	"autoscaling.desired": capacityCheck("autoscaling.desired"),
	"autoscaling.max":     capacityCheck("autoscaling.max"),
	"autoscaling.termination_policies": func(a *answers, _ string) error {
		return spec.ValidateTerminationPolicies(a.Termination)
	},
	"autoscaling.health_check_grace_seconds": func(a *answers, _ string) error {
		return spec.ValidateNumber(a.Grace, spec.ValidateGraceSeconds)
	},
	"autoscaling.cpu_target_percent": func(a *answers, _ string) error {
		return spec.ValidateNumber(a.CPUTarget, spec.ValidateCPUTarget)
	},
	"alarms.email": func(a *answers, _ string) error { return spec.ValidateEmail(strings.TrimSpace(a.Email)) },
	"alarms.billing_threshold_usd": func(a *answers, _ string) error {
		text := strings.TrimSpace(a.BillingLimit)
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return &spec.FieldError{Value: text, Problem: fmt.Sprintf("%q is not an amount", text), Fix: "type a monthly amount in USD, like 20, or 0 for no billing alarm"}
		}
		return spec.ValidateBillingThreshold(f)
	},
}

// capacityCheck validates min, desired and max together (each problem
// names its field) and keeps the problems of path.
func capacityCheck(path string) func(a *answers, _ string) error {
	return func(a *answers, _ string) error {
		var parsed [3]int
		for i, text := range []string{a.Min, a.Desired, a.Max} {
			n, err := strconv.Atoi(strings.TrimSpace(text))
			if err != nil {
				if []string{"autoscaling.min", "autoscaling.desired", "autoscaling.max"}[i] == path {
					return spec.ValidateNumber(text, func(int) error { return nil })
				}
				return nil // the other field says so
			}
			parsed[i] = n
		}
		err := spec.ValidateCapacity(parsed[0], parsed[1], parsed[2])
		var mine []error
		for _, p := range fieldProblems(path, err) {
			if p.Path == path {
				fe := &spec.FieldError{Problem: p.Text}
				if p.Warning {
					fe.Severity = spec.SeverityWarning
				}
				mine = append(mine, fe)
			}
		}
		return errors.Join(mine...)
	}
}

// joinEach validates every entry and joins the problems.
func joinEach(values []string, validate func(string) error) error {
	var errs []error
	for _, v := range values {
		if err := validate(v); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// stepFields lists the spec paths each step's form edits, in form order.
var stepFields = map[steps.StepID][]string{
	steps.StepIdentity:       {"region", "name"},
	steps.StepIAM:            {"iam.role_name", "iam.managed_policies"},
	steps.StepNetwork:        {"network.vpc", "network.azs", "network.cidr", "network.nat", "network.bastion.enabled", "network.bastion.ssh_from", "network.flow_logs.enabled"},
	steps.StepSecurity:       {"instance.port", "instance.egress"},
	steps.StepAMI:            {"ami.source", "ami.base", "ami.id", "ami.setup_script"},
	steps.StepLaunchTemplate: {"instance.type", "instance.volume_gib", "instance.key_name", "instance.user_data"},
	steps.StepCertificate:    {"load_balancer.https", "dns.zone", "dns.record"},
	steps.StepLoadBalancer: {"load_balancer.health_check.path", "load_balancer.health_check.interval_seconds",
		"load_balancer.health_check.timeout_seconds", "load_balancer.health_check.healthy_threshold",
		"load_balancer.health_check.unhealthy_threshold", "load_balancer.health_check.success_codes", "load_balancer.ip_address_type",
		"load_balancer.access_logs.enabled"},
	steps.StepAutoscaling: {"autoscaling.min", "autoscaling.desired", "autoscaling.max", "autoscaling.health_check_grace_seconds",
		"autoscaling.cpu_target_percent", "autoscaling.termination_policies"},
	steps.StepDNS:    {"dns.zone", "dns.record"},
	steps.StepAlarms: {"alarms.email", "alarms.billing_threshold_usd", "alarms.encrypt_topic"},
}

// checkStep runs every field validator of step on a, then the whole-spec
// validation of the draft with a applied (cross-field rules such as the
// subnet plan against autoscaling.max), keeping the problems of step's
// fields.
func checkStep(step steps.StepID, a *answers, draft *spec.Spec, env spec.ValidateEnv) []problem {
	var out []problem
	seen := map[string]bool{}
	for _, path := range stepFields[step] {
		v, ok := validators[path]
		if !ok {
			continue
		}
		for _, p := range fieldProblems(path, v(a, env.BaseDir)) {
			out = append(out, p)
			seen[p.Path] = true
		}
	}
	preview := *draft
	a.applyTo(&preview, step)
	for _, fe := range preview.Validate(env) {
		fe, _ = userWords(fe, &preview)
		base, _, _ := strings.Cut(fe.Path, "[")
		if stepOfPath(fe.Path) != step || seen[base] || seen[fe.Path] {
			continue
		}
		out = append(out, fieldProblems(fe.Path, &fe)...)
	}
	return out
}

// blocking reports whether any problem is an error.
func blocking(ps []problem) bool {
	return slices.ContainsFunc(ps, func(p problem) bool { return !p.Warning })
}
