package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// The engine is tested with two synthetic steps over real EC2 resources in
// the sandbox, so these tests do not depend on the stack's real steps:
// "vpcs" keeps spec.network.azs VPCs (a CIDR change replaces one, a nat
// change updates DNS hostnames in place), and "groups" keeps one security
// group in the first VPC and needs "vpcs".

const (
	testStepVPCs   StepID = "vpcs"
	testStepGroups StepID = "groups"
	testStepBroken StepID = "broken"
	testStepAfter  StepID = "after_broken"
)

type testVPCStep struct{}

func (testVPCStep) ID() StepID                { return testStepVPCs }
func (testVPCStep) Title() string             { return "VPCs" }
func (testVPCStep) Why() string               { return "test" }
func (testVPCStep) Enabled(*spec.Spec) bool   { return true }
func (testVPCStep) Needs(*spec.Spec) []StepID { return []StepID{StepIdentity} }
func (testVPCStep) Desired(s *spec.Spec) []Desired {
	var ds []Desired
	for i := range s.Network.AZs {
		cidr := fmt.Sprintf("10.%d.0.0/16", i)
		if i == 0 {
			cidr = s.Network.CIDR
		}
		ds = append(ds, Desired{
			Key: fmt.Sprintf("vpcs/%d", i), Type: "test:vpc", Name: fmt.Sprintf("%s-%d", s.Name, i),
			Attrs:   map[string]string{"cidr": cidr, "dns": strconv.FormatBool(s.Network.NAT != "none")},
			Replace: []string{"cidr"},
		})
	}
	return ds
}

func (st testVPCStep) Apply(ctx context.Context, r *Run) error {
	api := ec2.NewFromConfig(testCfg(r))
	var ids []string
	for _, d := range st.Desired(r.Spec) {
		rec, err := r.Ensure(ctx, d, Ops{
			Find: func(ctx context.Context) (Found, bool, error) { return findTestVPC(ctx, api, r.Spec.Name, d.Key) },
			Create: func(ctx context.Context, token string) (Found, error) {
				out, err := api.CreateVpc(ctx, &ec2.CreateVpcInput{
					CidrBlock:         sdkaws.String(d.Attrs["cidr"]),
					TagSpecifications: testTagSpec(ec2types.ResourceTypeVpc, r.Tags(d.Key, d.Name)),
				})
				if err != nil {
					return Found{}, err
				}
				if err := setTestDNS(ctx, api, *out.Vpc.VpcId, d.Attrs["dns"]); err != nil {
					return Found{}, err
				}
				return Found{ID: *out.Vpc.VpcId}, nil
			},
			Update: func(ctx context.Context, cur state.Resource) (Found, error) {
				return Found{ID: cur.ID}, setTestDNS(ctx, api, cur.ID, d.Attrs["dns"])
			},
		})
		if err != nil {
			return err
		}
		ids = append(ids, rec.ID)
	}
	return r.SetOutputs(map[string]string{"vpc_ids": strings.Join(ids, ",")})
}

type testGroupStep struct{}

func (testGroupStep) ID() StepID                { return testStepGroups }
func (testGroupStep) Title() string             { return "Groups" }
func (testGroupStep) Why() string               { return "test" }
func (testGroupStep) Enabled(*spec.Spec) bool   { return true }
func (testGroupStep) Needs(*spec.Spec) []StepID { return []StepID{testStepVPCs} }
func (testGroupStep) Desired(s *spec.Spec) []Desired {
	return []Desired{{Key: "groups/app", Type: "test:sg", Name: s.Name + "-app"}}
}

func (st testGroupStep) Apply(ctx context.Context, r *Run) error {
	api := ec2.NewFromConfig(testCfg(r))
	vpc, _, _ := strings.Cut(r.Output(testStepVPCs, "vpc_ids"), ",")
	d := st.Desired(r.Spec)[0]
	_, err := r.Ensure(ctx, d, Ops{
		Find: func(ctx context.Context) (Found, bool, error) {
			out, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
				{Name: sdkaws.String("tag:" + TagKey), Values: []string{d.Key}},
				{Name: sdkaws.String("tag:" + TagStack), Values: []string{r.Spec.Name}},
			}})
			if err != nil || len(out.SecurityGroups) == 0 {
				return Found{}, false, err
			}
			return Found{ID: *out.SecurityGroups[0].GroupId}, true, nil
		},
		Create: func(ctx context.Context, _ string) (Found, error) {
			out, err := api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
				GroupName: sdkaws.String(d.Name), Description: sdkaws.String("test"), VpcId: sdkaws.String(vpc),
				TagSpecifications: testTagSpec(ec2types.ResourceTypeSecurityGroup, r.Tags(d.Key, d.Name)),
			})
			if err != nil {
				return Found{}, err
			}
			return Found{ID: *out.GroupId}, nil
		},
	})
	return err
}

// testBrokenStep always fails; testAfterBroken needs it.
type testBrokenStep struct{ id StepID }

func (s testBrokenStep) ID() StepID                 { return s.id }
func (testBrokenStep) Title() string                { return "Broken" }
func (testBrokenStep) Why() string                  { return "test" }
func (testBrokenStep) Enabled(*spec.Spec) bool      { return true }
func (testBrokenStep) Desired(*spec.Spec) []Desired { return nil }
func (s testBrokenStep) Needs(*spec.Spec) []StepID {
	if s.id == testStepAfter {
		return []StepID{testStepBroken}
	}
	return []StepID{StepIdentity}
}
func (s testBrokenStep) Apply(context.Context, *Run) error {
	if s.id == testStepBroken {
		return errors.New("broken on purpose")
	}
	return nil
}

// testCfgs maps a Run's clients back to the env's config (the synthetic
// steps call the SDK directly; real steps go through aws/ adapters).
var testCfgs = map[*aws.Clients]sdkaws.Config{}

func testCfg(r *Run) sdkaws.Config { return testCfgs[r.AWS] }

func testTagSpec(rt ec2types.ResourceType, tags map[string]string) []ec2types.TagSpecification {
	ts := ec2types.TagSpecification{ResourceType: rt}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		ts.Tags = append(ts.Tags, ec2types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(tags[k])})
	}
	return []ec2types.TagSpecification{ts}
}

func setTestDNS(ctx context.Context, api *ec2.Client, id, dns string) error {
	_, err := api.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{
		VpcId: sdkaws.String(id), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: sdkaws.Bool(dns == "true")},
	})
	return err
}

func findTestVPC(ctx context.Context, api *ec2.Client, stack, key string) (Found, bool, error) {
	fs, err := listTestVPCs(ctx, api, stack)
	for _, f := range fs {
		if f.Key == key {
			return f, true, err
		}
	}
	return Found{}, false, err
}

func listTestVPCs(ctx context.Context, api *ec2.Client, stack string) ([]Found, error) {
	out, err := api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("tag:" + TagStack), Values: []string{stack}},
	}})
	if err != nil {
		return nil, err
	}
	var fs []Found
	for _, v := range out.Vpcs {
		f := Found{ID: *v.VpcId, Type: "test:vpc", Attrs: map[string]string{"cidr": *v.CidrBlock}}
		for _, t := range v.Tags {
			switch *t.Key {
			case TagKey:
				f.Key = *t.Value
			case TagStep:
				f.Step = StepID(*t.Value)
			}
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// testKinds handle the synthetic steps' resources.
func testKinds(cfg sdkaws.Config) []Kind {
	api := ec2.NewFromConfig(cfg)
	return []Kind{
		{
			Type: "test:sg", Order: 1,
			Describe: func(ctx context.Context, t Target) (Observed, error) {
				out, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{t.Resource.ID}})
				if aws.IsNotFound(err) || err == nil && len(out.SecurityGroups) == 0 {
					return Observed{}, nil
				}
				return Observed{Exists: err == nil, Healthy: true}, err
			},
			Delete: func(ctx context.Context, t Target) error {
				_, err := api.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sdkaws.String(t.Resource.ID)})
				return err
			},
			List: func(ctx context.Context, _ *aws.Clients, stack string) ([]Found, error) {
				out, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
					{Name: sdkaws.String("tag:" + TagStack), Values: []string{stack}},
				}})
				if err != nil {
					return nil, err
				}
				var fs []Found
				for _, g := range out.SecurityGroups {
					fs = append(fs, Found{ID: *g.GroupId, Key: "groups/app", Step: testStepGroups})
				}
				return fs, nil
			},
		},
		{
			Type: "test:vpc", Order: 2,
			Describe: func(ctx context.Context, t Target) (Observed, error) {
				out, err := api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{t.Resource.ID}})
				if aws.IsNotFound(err) || err == nil && len(out.Vpcs) == 0 {
					return Observed{}, nil
				}
				if err != nil {
					return Observed{}, err
				}
				return Observed{Exists: true, Healthy: true, State: string(out.Vpcs[0].State),
					Attrs: map[string]string{"cidr": *out.Vpcs[0].CidrBlock}}, nil
			},
			Delete: func(ctx context.Context, t Target) error {
				_, err := api.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: sdkaws.String(t.Resource.ID)})
				return err
			},
			List: func(ctx context.Context, _ *aws.Clients, stack string) ([]Found, error) {
				return listTestVPCs(ctx, api, stack)
			},
		},
	}
}

// newEngineEnv is a testEnv whose engines run identity and the synthetic steps.
func newEngineEnv(t *testing.T, opts ...func(*sandbox.Options)) *testEnv {
	env := newTestEnv(t, "eng", opts...)
	testCfgs[env.AWS] = env.Cfg
	t.Cleanup(func() { delete(testCfgs, env.AWS) })
	env.Options.Steps = []Step{identityStep{}, testVPCStep{}, testGroupStep{}}
	env.Options.Kinds = testKinds(env.Cfg)
	return env
}

const engineSpec = "name: eng\nnetwork:\n  azs: 3\n  nat: single\n"
