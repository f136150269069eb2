package steps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// checkIPServer answers like checkip.amazonaws.com (status 200 and an
// address), or fails with status; it counts the requests.
func checkIPServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// secStep is the security step asking srv for the caller's address, over
// HTTP like the real lookup.
func secStep(srv *httptest.Server) securityStep {
	return securityStep{publicIP: func(ctx context.Context) (netip.Addr, error) {
		return aws.PublicIP(ctx, srv.Client(), srv.URL)
	}}
}

const secYAML = `name: sectest
network:
  vpc: new
  azs: 2
  nat: none
  bastion:
    enabled: true
`

// secGroup describes one group through the SDK.
func secGroup(t *testing.T, env *testEnv, id string) ec2types.SecurityGroup {
	t.Helper()
	out, err := netEC2(env).DescribeSecurityGroups(testContext(t), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("describe security group %s: %v", id, err)
	}
	return out.SecurityGroups[0]
}

// secRules lists a group's ingress as "tcp 80 <source>" lines, sorted.
func secRules(g ec2types.SecurityGroup) []string { return permWords(g.IpPermissions) }

func secEgress(g ec2types.SecurityGroup) []string { return permWords(g.IpPermissionsEgress) }

func permWords(perms []ec2types.IpPermission) []string {
	var out []string
	for _, p := range perms {
		head := fmt.Sprintf("%s %d-%d", sdkaws.ToString(p.IpProtocol), sdkaws.ToInt32(p.FromPort), sdkaws.ToInt32(p.ToPort))
		for _, r := range p.IpRanges {
			out = append(out, head+" "+sdkaws.ToString(r.CidrIp))
		}
		for _, r := range p.Ipv6Ranges {
			out = append(out, head+" "+sdkaws.ToString(r.CidrIpv6))
		}
		for _, g := range p.UserIdGroupPairs {
			out = append(out, head+" "+sdkaws.ToString(g.GroupId))
		}
	}
	slices.Sort(out)
	return out
}

func secInstance(t *testing.T, env *testEnv, id string) ec2types.Instance {
	t.Helper()
	out, err := netEC2(env).DescribeInstances(testContext(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("describe instance %s: %v", id, err)
	}
	return out.Reservations[0].Instances[0]
}

// TestSecurityGroupsAdmitOnlyWhatTheyShould applies network and security
// with a bastion and checks every group's rules as EC2 holds them: web
// ports from anywhere on the load balancer, the app port only from the
// load balancer's group, SSH to the app only from the bastion's group, SSH
// to the bastion only from the caller's /32; and the bastion host itself.
func TestSecurityGroupsAdmitOnlyWhatTheyShould(t *testing.T) {
	env := newTestEnv(t, "sectest")
	srv, calls := checkIPServer(t, http.StatusOK, "198.51.100.7\n")
	spec := env.spec(secYAML)
	netApply(t, env, spec, networkStep{}, secStep(srv))

	out := netOutputs(t, env, StepSecurity)
	alb, app, bastion := secGroup(t, env, out["alb_sg"]), secGroup(t, env, out["app_sg"]), secGroup(t, env, out["bastion_sg"])
	vpcID := netOutputs(t, env, StepNetwork)["vpc_id"]
	for _, g := range []struct {
		sg     ec2types.SecurityGroup
		key    string
		name   string
		want   []string
		egress []string
	}{
		// No HTTPS listener, so no 443; out, only the app port of the app's group.
		{alb, keySGALB, "sectest-alb", []string{"tcp 80-80 0.0.0.0/0"}, []string{"tcp 3000-3000 " + out["app_sg"]}},
		{app, keySGApp, "sectest-app", []string{"tcp 22-22 " + out["bastion_sg"], "tcp 3000-3000 " + out["alb_sg"]}, []string{"tcp 443-443 0.0.0.0/0"}},
		{bastion, keySGBastion, "sectest-bastion", []string{"tcp 22-22 198.51.100.7/32"}, []string{"tcp 22-22 " + out["app_sg"], "tcp 443-443 0.0.0.0/0"}},
	} {
		if got := secRules(g.sg); !slices.Equal(got, g.want) {
			t.Errorf("%s ingress %v, want exactly %v", g.name, got, g.want)
		}
		if got := secEgress(g.sg); !slices.Equal(got, g.egress) {
			t.Errorf("%s egress %v, want exactly %v", g.name, got, g.egress)
		}
		if sdkaws.ToString(g.sg.GroupName) != g.name || sdkaws.ToString(g.sg.VpcId) != vpcID {
			t.Errorf("group %s in %s, want %s in %s", sdkaws.ToString(g.sg.GroupName), sdkaws.ToString(g.sg.VpcId), g.name, vpcID)
		}
		netCheckTags(t, g.name, g.sg.Tags, "sectest", StepSecurity, g.key)
	}

	// The bastion: current AL2023, t3.micro, first public subnet, its group
	// only, IMDSv2 only, an encrypted root volume, a public address.
	host := secInstance(t, env, out["bastion_instance_id"])
	param, err := ssm.NewFromConfig(env.Cfg).GetParameter(testContext(t), &ssm.GetParameterInput{Name: sdkaws.String(al2023Parameter("x86_64"))})
	if err != nil {
		t.Fatal(err)
	}
	public := strings.Split(netOutputs(t, env, StepNetwork)["public_subnets"], ",")
	if host.InstanceType != ec2types.InstanceTypeT3Micro || sdkaws.ToString(host.ImageId) != sdkaws.ToString(param.Parameter.Value) ||
		sdkaws.ToString(host.SubnetId) != public[0] || len(host.SecurityGroups) != 1 || sdkaws.ToString(host.SecurityGroups[0].GroupId) != out["bastion_sg"] {
		t.Errorf("bastion %s %s in %s with %v; want t3.micro, %s, %s, %s", host.InstanceType, sdkaws.ToString(host.ImageId),
			sdkaws.ToString(host.SubnetId), host.SecurityGroups, sdkaws.ToString(param.Parameter.Value), public[0], out["bastion_sg"])
	}
	if host.MetadataOptions == nil || host.MetadataOptions.HttpTokens != ec2types.HttpTokensStateRequired {
		t.Errorf("bastion metadata options %+v: want IMDSv2 required", host.MetadataOptions)
	}
	if host.State.Name != ec2types.InstanceStateNameRunning || sdkaws.ToString(host.PublicIpAddress) == "" || sdkaws.ToString(host.PublicIpAddress) != out["bastion_public_ip"] {
		t.Errorf("bastion %s at %q, output %q: want running with a public IP", host.State.Name, sdkaws.ToString(host.PublicIpAddress), out["bastion_public_ip"])
	}
	netCheckTags(t, "bastion", host.Tags, "sectest", StepSecurity, keyBastion)
	vols, err := netEC2(env).DescribeVolumes(testContext(t), &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("attachment.instance-id"), Values: []string{out["bastion_instance_id"]}}}})
	if err != nil || len(vols.Volumes) != 1 || !sdkaws.ToBool(vols.Volumes[0].Encrypted) || vols.Volumes[0].VolumeType != ec2types.VolumeTypeGp3 ||
		sdkaws.ToString(vols.Volumes[0].Attachments[0].Device) != sdkaws.ToString(host.RootDeviceName) {
		t.Errorf("bastion volumes %+v (%v): want one encrypted gp3 root volume", vols, err)
	}
	warned := slices.ContainsFunc(env.Events(), func(ev Event) bool {
		return ev.Kind == Warning && strings.Contains(ev.Message, "EC2 Instance Connect")
	})
	if !warned {
		t.Error("no warning that a bastion without a key pair is reached with EC2 Instance Connect")
	}

	// Again: nothing to do, and the address is not asked for again.
	before := env.SB.Stats()
	netApply(t, env, spec, networkStep{}, secStep(srv))
	if m := netMutationsSince(env, before); len(m) > 0 {
		t.Errorf("a second apply made mutating calls: %v", m)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("checkip asked %d times, want once", n)
	}
	rep, err := env.engine(spec).Status(testContext(t))
	if err != nil || !rep.Healthy {
		t.Errorf("status: %v %+v", err, rep)
	}
}

// TestSecurityPortChangeAndOutOfBandRules changes instance.port (the app
// group is updated in place) and adds a rule by hand (status reports the
// drift, apply revokes it).
func TestSecurityPortChangeAndOutOfBandRules(t *testing.T) {
	env := newTestEnv(t, "sectest")
	spec := env.spec("name: sectest\nnetwork:\n  vpc: default\n")
	netApply(t, env, spec, networkStep{}, securityStep{})
	out := netOutputs(t, env, StepSecurity)
	ctx := testContext(t)

	moved := env.spec("name: sectest\nnetwork:\n  vpc: default\ninstance:\n  port: 8080\n")
	env.Options.Steps = []Step{identityStep{}, networkStep{}, securityStep{}}
	p, err := env.engine(moved).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		want := ActionKeep
		if c.Key == keySGApp || c.Key == keySGALB { // the app port in; the load balancer's out
			want = ActionUpdate
		}
		if c.Action != want {
			t.Errorf("plan for port 8080: %s %s (%s), want %s", c.Key, c.Action, c.Why, want)
		}
	}
	netApply(t, env, moved, networkStep{}, securityStep{})
	after := netOutputs(t, env, StepSecurity)
	if after["app_sg"] != out["app_sg"] {
		t.Errorf("the app group was replaced (%s → %s), want it updated in place", out["app_sg"], after["app_sg"])
	}
	if got, want := secRules(secGroup(t, env, out["app_sg"])), []string{"tcp 8080-8080 " + out["alb_sg"]}; !slices.Equal(got, want) {
		t.Errorf("app ingress after the port change %v, want %v", got, want)
	}

	if _, err := netEC2(env).AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sdkaws.String(out["app_sg"]),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(22), ToPort: sdkaws.Int32(22),
			IpRanges: []ec2types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.engine(moved).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rep.Resources, func(r ResourceReport) bool { return r.Key == keySGApp })
	if rep.Healthy || i < 0 || !strings.Contains(strings.Join(rep.Resources[i].Drift, " "), "tcp 22 from anywhere") {
		t.Errorf("status after SSH was opened to the world on the app group: %+v", rep)
	}
	netApply(t, env, moved, networkStep{}, securityStep{})
	if got := secRules(secGroup(t, env, out["app_sg"])); len(got) != 1 {
		t.Errorf("apply left the app group with %v", got)
	}
	if rep, err := env.engine(moved).Status(ctx); err != nil || !rep.Healthy {
		t.Errorf("status after the repairing apply: %v %+v", err, rep)
	}
}

// TestSecurityCheckIPFailureNamesTheField: ssh_from auto with no way to
// learn the address fails with the field to set, before any bastion rule.
func TestSecurityCheckIPFailureNamesTheField(t *testing.T) {
	for name, srv := range map[string]*httptest.Server{
		"503":     srvOf(checkIPServer(t, http.StatusServiceUnavailable, "busy")),
		"garbage": srvOf(checkIPServer(t, http.StatusOK, "<html>captive portal</html>")),
	} {
		t.Run(name, func(t *testing.T) {
			env := newTestEnv(t, "sectest")
			env.Options.Steps = []Step{identityStep{}, networkStep{}, secStep(srv)}
			err := env.engine(env.spec(secYAML)).Apply(testContext(t))
			if err == nil || !strings.Contains(err.Error(), "network.bastion.ssh_from") || !strings.Contains(err.Error(), "/32") {
				t.Fatalf("apply = %v, want an error telling to set network.bastion.ssh_from to a CIDR", err)
			}
			if n := env.inventoryTypes()["ec2:instance"]; n != 0 {
				t.Errorf("%d instances launched without an SSH source", n)
			}
		})
	}
}

func srvOf(srv *httptest.Server, _ *atomic.Int32) *httptest.Server { return srv }

// TestSecuritySSHFromTheWorldWarns: 0.0.0.0/0 is allowed, loudly.
func TestSecuritySSHFromTheWorldWarns(t *testing.T) {
	env := newTestEnv(t, "sectest")
	spec := env.spec(strings.Replace(secYAML, "enabled: true\n", "enabled: true\n    ssh_from: 0.0.0.0/0\n", 1))
	netApply(t, env, spec, networkStep{}, securityStep{})
	if got := secRules(secGroup(t, env, netOutputs(t, env, StepSecurity)["bastion_sg"])); !slices.Equal(got, []string{"tcp 22-22 0.0.0.0/0"}) {
		t.Errorf("bastion ingress %v", got)
	}
	if !slices.ContainsFunc(env.Events(), func(ev Event) bool {
		return ev.Kind == Warning && strings.Contains(ev.Message, "0.0.0.0/0") && strings.Contains(ev.Message, "whole internet")
	}) {
		t.Error("no warning for SSH open to 0.0.0.0/0")
	}
}

// TestSecurityBastionArchitectureAndKeyPair: a Graviton stack gets a
// t4g.micro arm64 bastion; a key pair that does not exist is a clear
// error; setting one replaces the bastion.
func TestSecurityBastionArchitectureAndKeyPair(t *testing.T) {
	env := newTestEnv(t, "sectest")
	ctx := testContext(t)
	yaml := func(extra string) *spec.Spec {
		return env.spec(strings.Replace(secYAML, "enabled: true\n", "enabled: true\n    ssh_from: 203.0.113.0/24\n", 1) + "instance:\n  type: t4g.small\n" + extra)
	}
	netApply(t, env, yaml(""), networkStep{}, securityStep{})
	first := netOutputs(t, env, StepSecurity)["bastion_instance_id"]
	host := secInstance(t, env, first)
	if host.InstanceType != ec2types.InstanceTypeT4gMicro || host.Architecture != ec2types.ArchitectureValuesArm64 {
		t.Errorf("bastion of a t4g stack: %s %s, want t4g.micro arm64", host.InstanceType, host.Architecture)
	}

	env.Options.Steps = []Step{identityStep{}, networkStep{}, securityStep{}}
	err := env.engine(yaml("  key_name: nobody\n")).Apply(ctx)
	if err == nil || !strings.Contains(err.Error(), `instance.key_name "nobody"`) {
		t.Fatalf("apply with an unknown key pair = %v", err)
	}

	if _, err := netEC2(env).CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: sdkaws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	withKey := yaml("  key_name: ops\n")
	p, err := env.engine(withKey).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(p.Changes, func(c Change) bool { return c.Key == keyBastion }); i < 0 || p.Changes[i].Action != ActionReplace {
		t.Errorf("plan for a new key pair: %+v, want the bastion replaced", p.Changes)
	}
	netApply(t, env, withKey, networkStep{}, securityStep{})
	second := netOutputs(t, env, StepSecurity)["bastion_instance_id"]
	if second == first || sdkaws.ToString(secInstance(t, env, second).KeyName) != "ops" {
		t.Errorf("bastion after key_name ops: %s (was %s) with key %q", second, first, sdkaws.ToString(secInstance(t, env, second).KeyName))
	}
	if st := secInstance(t, env, first).State.Name; st != ec2types.InstanceStateNameTerminated {
		t.Errorf("the old bastion is %s, want terminated", st)
	}
	if n := env.inventoryTypes()["ec2:instance"]; n != 1 {
		t.Errorf("%d instances live, want the one bastion", n)
	}
}

// TestSecurityResumesAfterALostCreate cuts the apply right after AWS made
// a group, authorized a rule, or launched the bastion; the next apply
// finds them: one of each, as an uninterrupted apply makes.
func TestSecurityResumesAfterALostCreate(t *testing.T) {
	srv, _ := checkIPServer(t, http.StatusOK, "198.51.100.7")
	ref := newTestEnv(t, "sectest")
	netApply(t, ref, ref.spec(secYAML), networkStep{}, secStep(srv))
	want := ref.inventoryTypes()
	for _, cut := range []struct {
		op string
		n  int
	}{{"CreateSecurityGroup", 1}, {"CreateSecurityGroup", 3}, {"AuthorizeSecurityGroupIngress", 3}, {"RunInstances", 1}} {
		t.Run(fmt.Sprintf("%s %d", cut.op, cut.n), func(t *testing.T) {
			env := newTestEnv(t, "sectest")
			spec := env.spec(secYAML)
			clients, ctx := cutAfterNth(t, env, cut.op, cut.n)
			env.Options.Steps = []Step{identityStep{}, networkStep{}, secStep(srv)}
			if err := New(spec, clients, env.Store, env.record, env.Options).Apply(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("cut apply = %v, want it cancelled", err)
			}
			netApply(t, env, spec, networkStep{}, secStep(srv))
			if got := env.inventoryTypes(); !maps.Equal(got, want) {
				t.Errorf("after resume %v, want %v", got, want)
			}
			out := netOutputs(t, env, StepSecurity)
			if got := secRules(secGroup(t, env, out["app_sg"])); len(got) != 2 {
				t.Errorf("app ingress after resume: %v", got)
			}
		})
	}
}

// TestSecurityDestroyAndAdopt: adopt rebuilds the record (the next apply
// changes nothing), and destroy removes every group — two that name each
// other included — and the bastion.
func TestSecurityDestroyAndAdopt(t *testing.T) {
	srv, _ := checkIPServer(t, http.StatusOK, "198.51.100.7")
	env := newTestEnv(t, "sectest")
	spec := env.spec(secYAML)
	netApply(t, env, spec, networkStep{}, secStep(srv))
	outs := netOutputs(t, env, StepSecurity)
	ctx := testContext(t)

	store, err := state.OpenNew(filepath.Join(t.TempDir(), "adopted"), "sectest")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	env.Store = store
	if n, err := env.engine(spec).Adopt(ctx); err != nil || n == 0 {
		t.Fatalf("adopt: %d %v", n, err)
	}
	before := env.SB.Stats()
	netApply(t, env, spec, networkStep{}, secStep(srv))
	if m := netMutationsSince(env, before); len(m) > 0 {
		t.Errorf("apply after adopt made mutating calls: %v", m)
	}
	if got := netOutputs(t, env, StepSecurity); !maps.Equal(got, outs) {
		t.Errorf("outputs after adopt %v, want %v", got, outs)
	}

	// The load balancer's group now also names the app's: each names the other.
	if _, err := netEC2(env).AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sdkaws.String(outs["alb_sg"]),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(9000), ToPort: sdkaws.Int32(9000),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: sdkaws.String(outs["app_sg"])}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}

// interveneTransport runs fn once, right after the sandbox answers the
// first request whose body contains match: the world changes between a
// Kind's describe and its next call, as when two deletes race.
type interveneTransport struct {
	match string
	fn    func()
	once  sync.Once
}

func (x *interveneTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && strings.Contains(string(body), x.match) {
		x.once.Do(x.fn)
	}
	return resp, err
}

// TestSecurityGroupDeleteRacingAnotherDelete: the bastion's group goes
// (with the app group's rule naming it) between the app group's describe
// and its revokes. The vanished group's not-found must not come back as
// the app group's: the engine would record a live group deleted.
func TestSecurityGroupDeleteRacingAnotherDelete(t *testing.T) {
	srv, _ := checkIPServer(t, http.StatusOK, "198.51.100.7")
	env := newTestEnv(t, "sectest")
	netApply(t, env, env.spec(secYAML), networkStep{}, secStep(srv))
	out := netOutputs(t, env, StepSecurity)
	ctx := testContext(t)
	c := netEC2(env)
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{out["bastion_instance_id"]}}); err != nil {
		t.Fatal(err)
	}
	secInstance(t, env, out["bastion_instance_id"]) // instant latency: terminated by now

	cfg := env.Cfg.Copy()
	cfg.HTTPClient = &http.Client{Transport: &interveneTransport{match: "Action=DescribeSecurityGroups", fn: func() {
		if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sdkaws.String(out["app_sg"]),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(22), ToPort: sdkaws.Int32(22),
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: sdkaws.String(out["bastion_sg"])}}}}}); err != nil {
			t.Error(err)
		}
		if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sdkaws.String(out["bastion_sg"])}); err != nil {
			t.Error(err)
		}
	}}}
	err := deleteGroup(ctx, Target{AWS: aws.NewClients(cfg), Resource: state.Resource{ID: out["app_sg"]}})
	if err != nil {
		t.Fatalf("delete the app group = %v (not found: %v), want it deleted", err, aws.IsNotFound(err))
	}
	if _, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{out["app_sg"]}}); !aws.IsNotFound(err) {
		t.Errorf("the app group is still there (%v) after its delete succeeded", err)
	}
}

// TestNetworkAndSecurityWithAWSLikeDelays runs the two steps where NAT
// gateways and instances take AWS's time (sped up): apply waits for them,
// a NAT change waits for the pruned gateways to be deleted, and destroy
// leaves nothing.
func TestNetworkAndSecurityWithAWSLikeDelays(t *testing.T) {
	env := newTestEnv(t, "sectest", func(o *sandbox.Options) { o.Latency = sandbox.LatencyRealistic; o.Speed = 1000 })
	srv, _ := checkIPServer(t, http.StatusOK, "198.51.100.7")
	yaml := func(nat string) *spec.Spec {
		return env.spec(strings.Replace(strings.Replace(secYAML, "nat: none", "nat: "+nat, 1), "azs: 2", "azs: 3", 1))
	}
	netApply(t, env, yaml(spec.NATPerAZ), networkStep{}, secStep(srv))
	netCheckVPC(t, env, yaml(spec.NATPerAZ))
	netApply(t, env, yaml(spec.NATSingle), networkStep{}, secStep(srv))
	netCheckVPC(t, env, yaml(spec.NATSingle))
	if err := env.engine(yaml(spec.NATSingle)).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
	var waits []string
	for _, ev := range env.Events() {
		if ev.Kind == ResourceWaiting {
			waits = append(waits, ev.Message)
		}
	}
	for _, want := range []string{"to be available", "to be running", "to be deleted", "to be terminated"} {
		if !slices.ContainsFunc(waits, func(m string) bool { return strings.Contains(m, want) }) {
			t.Errorf("no wait %q among %v", want, waits)
		}
	}
}
