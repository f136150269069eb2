package steps

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/spec"
)

// TestFormFieldsNameSpecFields: every field a step's form asks names a
// field the spec has, of a type its kind can write (a renamed spec field
// fails here, not in the wizard at run time).
func TestFormFieldsNameSpecFields(t *testing.T) {
	fits := map[FieldKind][]reflect.Kind{
		FieldText:                {reflect.String},
		FieldNumber:              {reflect.Int, reflect.Float64},
		FieldSelect:              {reflect.String, reflect.Int},
		FieldMultiSelect:         {reflect.Slice},
		FieldConfirm:             {reflect.Bool},
		FieldTerminationPolicies: {reflect.Slice},
	}
	for _, st := range All() {
		f, ok := FormOf(st)
		if !ok {
			t.Errorf("step %s describes no form: the wizard could not ask for it", st.ID())
			continue
		}
		seen := map[string]bool{}
		for _, fd := range f.Fields() {
			switch fd.Kind {
			case FieldNote:
				if fd.Path != "" {
					t.Errorf("%s: the note %q names a path, but a note edits nothing", st.ID(), fd.Title)
				}
				continue
			case FieldProfile:
				if fd.Path != "profile" {
					t.Errorf("%s: the profile picker's path is %q, want profile", st.ID(), fd.Path)
				}
				continue
			}
			if seen[fd.Path] {
				t.Errorf("%s asks %s twice", st.ID(), fd.Path)
			}
			seen[fd.Path] = true
			if fd.Title == "" {
				t.Errorf("%s: %s has no title", st.ID(), fd.Path)
			}
			v, ok := spec.Field(&spec.Spec{}, fd.Path)
			if !ok {
				t.Errorf("%s asks %s, which the spec does not have", st.ID(), fd.Path)
				continue
			}
			if !slices.Contains(fits[fd.Kind], v.Kind()) {
				t.Errorf("%s: %s is a %s, which a field of kind %d cannot write", st.ID(), fd.Path, v.Type(), fd.Kind)
			}
			if fd.Kind == FieldSelect && len(fd.Options) == 0 && fd.Lookup == "" {
				t.Errorf("%s: the select %s offers nothing", st.ID(), fd.Path)
			}
		}
		for _, p := range f.Owns {
			if _, ok := spec.Field(&spec.Spec{}, p); !ok {
				t.Errorf("%s owns %s, which the spec does not have", st.ID(), p)
			}
		}
	}
}

// TestEverySpecFieldHasAStep: every setting of stack.yaml belongs to a
// step's form (a field it asks, or a path it owns), so that its problems
// are shown on that step; and every field asked for one step is owned by
// it unless it is marked shared with the step that owns it.
func TestEverySpecFieldHasAStep(t *testing.T) {
	all := All()
	paths := spec.Paths()
	if len(paths) < 40 || !slices.Contains(paths, "network.bastion.ssh_from") {
		t.Fatalf("spec.Paths does not walk the spec: %v", paths)
	}
	for _, p := range paths {
		if _, ok := OwnerOf(all, p); !ok {
			t.Errorf("no step owns spec field %s: add it to a step's form (its <step>_form.go) or to the Owns of one", p)
		}
	}
	for _, st := range all {
		f, _ := FormOf(st)
		for _, fd := range f.Fields() {
			if fd.Path == "" || fd.Kind == FieldNote || fd.Kind == FieldProfile {
				continue
			}
			owner, _ := OwnerOf(all, fd.Path)
			if owner != st.ID() && !fd.Shared {
				t.Errorf("%s asks %s, which %s owns: mark it Shared, or ask it there", st.ID(), fd.Path, owner)
			}
			if owner == st.ID() && fd.Shared {
				t.Errorf("%s asks %s as shared, but no other step owns it", st.ID(), fd.Path)
			}
		}
	}
	// Indexed problems ("network.subnets[0]") and the nearest parent rule.
	for path, want := range map[string]StepID{
		"name": StepIdentity, "instance.egress_ports[1]": StepSecurity, "instance.egress": StepSecurity,
		"instance.volume_gib": StepLaunchTemplate, "load_balancer.https": StepCertificate,
		"load_balancer.drop_invalid_header_fields": StepLoadBalancer, "dns.zone": StepDNS,
		"network.private_subnet_bits": StepNetwork, "alarms.cpu_high_percent": StepAlarms,
	} {
		if got, _ := OwnerOf(all, path); got != want {
			t.Errorf("OwnerOf(%s) = %s, want %s", path, got, want)
		}
	}
}

// formAnswers are answers by path, for the validators.
type formAnswers map[string]any

func (a formAnswers) Text(p string) string   { s, _ := a[p].(string); return s }
func (a formAnswers) On(p string) bool       { b, _ := a[p].(bool); return b }
func (a formAnswers) List(p string) []string { l, _ := a[p].([]string); return l }

// TestFormValidatorsAreTheSpecs: a form's validators refuse what the spec
// loader refuses and accept what it accepts, field by field, on the
// defaults and on one bad value each.
func TestFormValidatorsAreTheSpecs(t *testing.T) {
	good := formAnswers{
		"name": "demo", "region": "us-east-1", "iam.role_name": "demo-app", "network.vpc": "new",
		"network.cidr": "10.0.0.0/16", "network.nat": "single", "network.bastion.ssh_from": "auto", "instance.port": "8080",
		"ami.source": "latest", "ami.base": "amazon-linux-2023", "instance.type": "t3.micro",
		"load_balancer.health_check.path": "/", "load_balancer.health_check.interval_seconds": "30",
		"load_balancer.health_check.timeout_seconds": "5", "load_balancer.health_check.healthy_threshold": "3",
		"load_balancer.health_check.unhealthy_threshold": "3", "load_balancer.health_check.success_codes": "200",
		"load_balancer.ip_address_type": "ipv4", "autoscaling.min": "1", "autoscaling.desired": "2", "autoscaling.max": "3",
		"autoscaling.health_check_grace_seconds": "300", "autoscaling.cpu_target_percent": "50",
		"autoscaling.termination_policies": []string{"Default"}, "alarms.billing_threshold_usd": "20",
	}
	bad := map[string]any{
		"name": "Not A Name!", "region": "mars-1", "network.cidr": "10.0.0.1/99", "network.nat": "two",
		"instance.port": "eighty", "ami.source": "somewhere", "instance.type": "huge",
		"load_balancer.health_check.timeout_seconds": "60", "autoscaling.min": "5",
		"autoscaling.termination_policies": []string{"Newest"}, "alarms.billing_threshold_usd": "lots",
		"load_balancer.ip_address_type": "ipv5", "network.vpc": "vpc!",
	}
	fields := map[string]FormField{}
	for _, st := range All() {
		f, _ := FormOf(st)
		for _, fd := range f.Fields() {
			if fd.Validate == nil {
				continue
			}
			fields[fd.Path] = fd
			if err := spec.ValidateBlocking(fd.Validate(good, t.TempDir())); err != nil {
				t.Errorf("%s: %s refuses the good answer %v: %v", st.ID(), fd.Path, good[fd.Path], err)
			}
		}
	}
	for path, value := range bad {
		fd, ok := fields[path]
		if !ok {
			t.Errorf("no form validates %s", path)
			continue
		}
		answers := formAnswers{}
		for k, v := range good {
			answers[k] = v
		}
		answers[path] = value
		err := spec.ValidateBlocking(fd.Validate(answers, t.TempDir()))
		if err == nil {
			t.Errorf("%s accepts %v", path, value)
			continue
		}
		if strings.TrimSpace(err.Error()) == "" {
			t.Errorf("%s refuses %v without saying why", path, value)
		}
	}
}
