package wizard

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/steps"
)

// What the wizard knows of the steps' forms comes from their descriptions
// (steps.Form, in each step's <step>_form.go): the huh forms (forms.go),
// the answers and how they are read from and written to the spec
// (answers.go), the path→step map, the validators, the fields' titles and
// what each form waits for. A new step with ordinary fields needs nothing
// here.

// The steps' form descriptions, as the wizard uses them: the steps, their
// forms by step, every field in step and form order, and the title each
// spec path is shown with.
var (
	allSteps    []steps.Step
	forms       map[steps.StepID]steps.Form
	allFields   []formField
	fieldTitles map[string]string
)

func init() { describe(steps.All()) }

// describe reads the form descriptions of all.
func describe(all []steps.Step) {
	allSteps, forms, allFields, fieldTitles = all, map[steps.StepID]steps.Form{}, nil, map[string]string{}
	for _, st := range all {
		f, ok := steps.FormOf(st)
		if !ok {
			continue
		}
		forms[st.ID()] = f
		for _, fd := range f.Fields() {
			allFields = append(allFields, formField{fd})
			if fd.Path == "" || fd.Kind == steps.FieldNote {
				continue
			}
			if _, ok := fieldTitles[fd.Path]; !ok {
				fieldTitles[fd.Path] = fd.Title
			}
		}
	}
}

// formField is a field of a step's form.
type formField struct{ steps.FormField }

// edits reports whether the field edits a spec field (not a note, not the
// profile).
func (f formField) edits() bool {
	return f.Path != "" && f.Kind != steps.FieldNote && f.Kind != steps.FieldProfile
}

// fieldOf returns the first field that asks path.
func fieldOf(path string) (formField, bool) {
	i := slices.IndexFunc(allFields, func(f formField) bool { return f.Path == path })
	if i < 0 {
		return formField{}, false
	}
	return allFields[i], true
}

// lookupOf maps a form's lookup name to what the wizard looks up.
var lookupOf = map[steps.FormLookup]lookup{
	steps.LookupProfiles: lookProfiles, steps.LookupCaller: lookCaller, steps.LookupRegions: lookRegions,
	steps.LookupAZs: lookAZs, steps.LookupVPCs: lookVPCs, steps.LookupKeyPairs: lookKeyPairs,
	steps.LookupZones: lookZones, steps.LookupCerts: lookCerts, steps.LookupImage: lookImage,
	steps.LookupPublicIP: lookPublicIP,
}

// lookupsOf lists what a step's form offers from the account: the form
// waits for them (with a spinner) before it opens.
func lookupsOf(step steps.StepID) []lookup {
	var out []lookup
	for _, l := range forms[step].Waits {
		out = append(out, lookupOf[l])
	}
	return out
}

// isEmpty reports whether the answer at path is still blank: a text or a
// number not typed yet, a list with nothing chosen.
func (a *answers) isEmpty(path string) bool {
	f, ok := fieldOf(path)
	if !ok {
		return false
	}
	switch f.Kind {
	case steps.FieldText, steps.FieldNumber:
		return strings.TrimSpace(a.Text(path)) == ""
	case steps.FieldMultiSelect, steps.FieldTerminationPolicies:
		return len(a.List(path)) == 0
	}
	return false
}

// clone copies the answers, lists included.
func (a *answers) clone() *answers {
	if a == nil {
		return nil
	}
	c := &answers{Profile: a.Profile, vals: make(map[string]*answer, len(a.vals))}
	for p, v := range a.vals {
		c.vals[p] = &answer{Text: v.Text, On: v.On, List: slices.Clone(v.List)}
	}
	return c
}

// over returns a with the answers of held put over it: the fields held
// does not have (a draft from before they existed) keep a's.
func (a *answers) over(held *answers) *answers {
	c := a.clone()
	c.Profile = held.Profile
	for p, v := range held.clone().vals {
		c.vals[p] = v
	}
	return c
}

// The draft keeps the open form's answers by spec path ("profile" for the
// profile). A draft written before the forms were described by the steps
// keeps them by the answers' old field names: legacyAnswerKeys reads those.
// It never grows: new fields are written by path.
var legacyAnswerKeys = map[string]string{
	"Profile": "profile", "Region": "region", "Name": "name",
	"RoleName": "iam.role_name", "Policies": "iam.managed_policies",
	"VPC": "network.vpc", "CIDR": "network.cidr", "AZs": "network.azs", "NAT": "network.nat",
	"Bastion": "network.bastion.enabled", "SSHFrom": "network.bastion.ssh_from",
	"Port": "instance.port", "Egress": "instance.egress",
	"AMISource": "ami.source", "AMIBase": "ami.base", "AMIID": "ami.id", "SetupScript": "ami.setup_script",
	"Type": "instance.type", "Volume": "instance.volume_gib", "KeyName": "instance.key_name", "UserData": "instance.user_data",
	"HTTPS": "load_balancer.https", "Zone": "dns.zone", "Record": "dns.record",
	"HCPath": "load_balancer.health_check.path", "HCInterval": "load_balancer.health_check.interval_seconds",
	"HCTimeout": "load_balancer.health_check.timeout_seconds", "HCHealthy": "load_balancer.health_check.healthy_threshold",
	"HCUnhealthy": "load_balancer.health_check.unhealthy_threshold", "HCCodes": "load_balancer.health_check.success_codes",
	"IPType": "load_balancer.ip_address_type",
	"Min":    "autoscaling.min", "Desired": "autoscaling.desired", "Max": "autoscaling.max",
	"Termination": "autoscaling.termination_policies", "Grace": "autoscaling.health_check_grace_seconds",
	"CPUTarget": "autoscaling.cpu_target_percent",
	"Email":     "alarms.email", "BillingLimit": "alarms.billing_threshold_usd", "EncryptTopic": "alarms.encrypt_topic",
	"FlowLogs": "network.flow_logs.enabled", "AccessLogs": "load_balancer.access_logs.enabled",
}

// MarshalJSON writes the answers by spec path.
func (a *answers) MarshalJSON() ([]byte, error) {
	out := map[string]any{"profile": a.Profile}
	for p, v := range a.vals {
		f, ok := fieldOf(p)
		switch {
		case !ok:
			continue
		case f.Kind == steps.FieldConfirm:
			out[p] = v.On
		case f.Kind == steps.FieldMultiSelect || f.Kind == steps.FieldTerminationPolicies:
			out[p] = v.List
		default:
			out[p] = v.Text
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads answers by spec path, or by the old field names.
func (a *answers) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*a = answers{vals: map[string]*answer{}}
	for k, msg := range raw {
		path := k
		if old, ok := legacyAnswerKeys[k]; ok {
			path = old
		}
		if path == "profile" {
			if err := json.Unmarshal(msg, &a.Profile); err != nil {
				return err
			}
			continue
		}
		if _, ok := fieldOf(path); !ok {
			continue // a field this build does not ask
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(string(msg)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return err
		}
		ans := &answer{}
		switch v := v.(type) {
		case string:
			ans.Text = v
		case json.Number:
			ans.Text = v.String() // the AZs were a number
		case bool:
			ans.On = v
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					ans.List = append(ans.List, s)
				}
			}
		}
		a.vals[path] = ans
	}
	return nil
}
