package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"strings"
	"testing"
)

// A type the region offers in only some zones: the network is built in
// the zones that have it, for a new VPC and for the default VPC alike.
// (The sandbox offers c7i only in the "b" and "c" zones, as AWS offers
// t3 everywhere in us-east-1 but us-east-1e.)
func TestNetworkUsesTheZonesWhereTheInstanceTypeIsOffered(t *testing.T) {
	for _, vpc := range []string{"new", "default"} {
		t.Run(vpc, func(t *testing.T) {
			env := newTestEnv(t, "nettest")
			spec := env.spec("name: nettest\nnetwork:\n  vpc: " + vpc + "\n  azs: 2\n  nat: none\ninstance:\n  type: c7i.large\n")
			netApply(t, env, spec, networkStep{})
			if got := netOutputs(t, env, StepNetwork)["azs"]; got != "us-east-1b,us-east-1c" {
				t.Errorf("azs = %q, want the two zones that offer c7i.large: us-east-1b,us-east-1c", got)
			}
		})
	}
}

// Three zones of a type offered in two: apply refuses it naming
// instance.type, before building any of the network.
func TestNetworkRefusesATypeOfferedInTooFewZones(t *testing.T) {
	env := newTestEnv(t, "nettest")
	spec := env.spec("name: nettest\nnetwork:\n  vpc: new\n  azs: 3\n  nat: none\ninstance:\n  type: c7i.large\n")
	err := env.engine(spec).Apply(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "instance.type: c7i.large is offered in 2") {
		t.Fatalf("apply = %v, want a refusal naming instance.type and its 2 zones", err)
	}
	for op := range netMutations(env.SB.Stats()) {
		if strings.HasPrefix(op, "ec2 ") {
			t.Errorf("the refused network called %s", op)
		}
	}
}

// At plan time the same fact refuses the spec field by field.
func TestValidateInstanceTypeAgainstItsZones(t *testing.T) {
	for _, tc := range []struct {
		name  string
		zones []string
		azs   string
		want  string
	}{
		{"offered everywhere", []string{"us-east-1a", "us-east-1b", "us-east-1c"}, "3", ""},
		{"unknown is left to apply", nil, "3", ""},
		{"too few zones", []string{"us-east-1b", "us-east-1c"}, "3", "offered in only 2 of the region's zones (us-east-1b, us-east-1c) and network.azs is 3"},
		{"one zone", []string{"us-east-1b"}, "2", "at least two zones"},
		{"not in the region", []string{}, "2", "not offered in this region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse([]byte("name: demo\nnetwork:\n  azs: " + tc.azs + "\ninstance:\n  type: c7i.large\n"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range s.Validate(spec.ValidateEnv{AZCount: 3, TypeZones: tc.zones}) {
				if p.Path == "instance.type" {
					got = append(got, p.Error())
				}
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("problems = %v, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("problems = %v, want one containing %q", got, tc.want)
			}
		})
	}
}
