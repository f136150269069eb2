package fleet

import (
	"sort"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/stackwiz/stackwiz/sandbox"
)

// With one service denied (the sandbox answers as AWS does, with that
// service's access-denied error), a snapshot still holds the group's
// instances, marks exactly the parts that service serves as denied with
// the IAM action to allow, asks them again only every GapRetry, and
// reads them again as soon as the permission is back.
func TestSnapshotMarksTheDeniedPartsAndKeepsTheRest(t *testing.T) {
	cases := []struct {
		deny string
		// parts denied, with the action each names
		want map[Part]string
		// ops are the denied operations (signing name, operation) a
		// snapshot sends when it asks them.
		ops [][2]string
	}{
		{"cloudwatch:*", map[Part]string{
			PartMetrics: "cloudwatch:GetMetricData", PartAlarms: "cloudwatch:DescribeAlarms", PartHistory: "cloudwatch:DescribeAlarmHistory",
		}, [][2]string{{"monitoring", "GetMetricData"}, {"monitoring", "DescribeAlarms"}, {"monitoring", "DescribeAlarmHistory"}}},
		{"elasticloadbalancing:Describe*", map[Part]string{
			PartTargets: "elasticloadbalancing:DescribeTargetHealth", PartLB: "elasticloadbalancing:DescribeLoadBalancers",
		}, [][2]string{{"elasticloadbalancing", "DescribeTargetHealth"}, {"elasticloadbalancing", "DescribeLoadBalancers"}}},
		{"acm:*", map[Part]string{PartCerts: "acm:DescribeCertificate"}, [][2]string{{"acm", "DescribeCertificate"}}},
		{"route53:*", map[Part]string{PartRecord: "route53:ListResourceRecordSets"}, [][2]string{{"route53", "ListResourceRecordSets"}}},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.deny, "*", "all"), func(t *testing.T) {
			w := newFleetWorld(t, 2)
			// An HTTPS listener, so that the load balancer part has a
			// certificate to read from ACM.
			cert := w.issueCertificate(w.Target.ZoneID, "api.example.com")
			_, err := w.ELB.CreateListener(w.Ctx, &elb.CreateListenerInput{LoadBalancerArn: sdk.String(w.Target.LoadBalancerARN), Port: sdk.Int32(443), Protocol: elbtypes.ProtocolEnumHttps,
				Certificates:   []elbtypes.Certificate{{CertificateArn: sdk.String(cert)}},
				DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: sdk.String(w.Target.TargetGroupARN)}}})
			w.Must(err, "CreateListener HTTPS")
			w.Advance(10 * time.Minute) // CPU history, so that an allowed metrics part has points
			if err := w.SB.SetFaults(sandbox.Faults{Deny: []string{c.deny}}); err != nil {
				t.Fatal(err)
			}

			s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{})
			if err != nil {
				t.Fatalf("Snapshot with %s denied: %v", c.deny, err)
			}
			checkDenied(t, s, c.want)
			checkInstances(t, s, c.want)
			if len(s.Problems) > 0 {
				t.Errorf("problems = %v: a denial is a gap, not a failure to retry", s.Problems)
			}

			// 5 s later the denied parts are not asked again; their
			// status stays, the rest is read.
			w.Advance(5 * time.Second)
			w.SB.ResetStats()
			s2, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: s})
			if err != nil {
				t.Fatal(err)
			}
			st := w.SB.Stats()
			for _, op := range c.ops {
				if n := st.Count(op[0], op[1]); n != 0 {
					t.Errorf("5 s later %s:%s was asked %d times; a denied part waits %s", op[0], op[1], n, GapRetry)
				}
			}
			if n := st.Count("autoscaling", "DescribeAutoScalingGroups"); n != 1 {
				t.Errorf("the group was read %d times, want 1", n)
			}
			checkDenied(t, s2, c.want)
			checkInstances(t, s2, c.want)

			// After GapRetry they are asked again (the load balancer
			// part with them, which certificates and record follow).
			w.Advance(GapRetry)
			w.SB.ResetStats()
			s3, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: s2, LoadBalancer: true})
			if err != nil {
				t.Fatal(err)
			}
			st = w.SB.Stats()
			for _, op := range c.ops {
				if n := st.Count(op[0], op[1]); n == 0 {
					t.Errorf("%s after the denial %s:%s was not asked again", GapRetry, op[0], op[1])
				}
			}
			checkDenied(t, s3, c.want)

			// The permission back: a recheck reads every part.
			if err := w.SB.SetFaults(sandbox.Faults{}); err != nil {
				t.Fatal(err)
			}
			w.Advance(5 * time.Second)
			s4, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: s3, LoadBalancer: true, Recheck: true})
			if err != nil {
				t.Fatal(err)
			}
			if g := s4.Gaps(); len(g) > 0 || len(s4.Problems) > 0 {
				t.Errorf("allowed again: gaps %v, problems %v", g, s4.Problems)
			}
			if s4.LB == nil || len(s4.LB.Certificates) != 1 || s4.LB.Record == nil || len(s4.Alarms) == 0 || len(s4.Targets) != 2 || s4.Instances[0].CPU == nil {
				t.Errorf("allowed again, the snapshot is not whole: lb %+v, alarms %d, targets %d", s4.LB, len(s4.Alarms), len(s4.Targets))
			}
		})
	}
}

// checkDenied asserts that exactly the parts in want are denied, each
// naming its action, and that their data is empty, not carried.
func checkDenied(t *testing.T, s *Snapshot, want map[Part]string) {
	t.Helper()
	got := map[Part]string{}
	for _, g := range s.Gaps() {
		if g.State != PartDenied {
			t.Errorf("%s: state %s, want denied (%v)", g.Part, g.State, g.Err)
		}
		got[g.Part] = g.Action
	}
	if gs, ws := mapText(got), mapText(want); gs != ws {
		t.Errorf("denied parts = %s, want %s", gs, ws)
	}
	if _, ok := want[PartAlarms]; ok && (len(s.Alarms) > 0 || len(s.AlarmHistory) > 0) {
		t.Errorf("alarms denied, yet the snapshot lists %d alarms and %d history items", len(s.Alarms), len(s.AlarmHistory))
	}
	if _, ok := want[PartLB]; ok && s.LB != nil {
		t.Errorf("load balancer denied, yet the snapshot has one: %+v", s.LB)
	}
	if _, ok := want[PartLB]; !ok && (s.LB == nil || len(s.LB.Listeners) != 2) {
		t.Errorf("load balancer allowed, yet its part is %+v", s.LB)
	}
	if _, ok := want[PartCerts]; ok && s.LB != nil && len(s.LB.Certificates) > 0 {
		t.Errorf("acm denied, yet certificates %+v", s.LB.Certificates)
	}
	if _, ok := want[PartRecord]; ok && s.LB != nil && s.LB.Record != nil {
		t.Errorf("route53 denied, yet record %+v", s.LB.Record)
	}
}

// checkInstances asserts that the group's instances are there, joined with
// what is allowed and empty where it is denied.
func checkInstances(t *testing.T, s *Snapshot, denied map[Part]string) {
	t.Helper()
	if len(s.Instances) != 2 {
		t.Fatalf("instances = %d, want 2 whatever is denied", len(s.Instances))
	}
	_, noTargets := denied[PartTargets]
	_, noCPU := denied[PartMetrics]
	for _, in := range s.Instances {
		if in.Lifecycle != "InService" || in.State != "running" || in.PrivateIP == "" {
			t.Errorf("%s: group/EC2 join = %+v", in.ID, in)
		}
		if noTargets != (in.Target.State == "") {
			t.Errorf("%s: target health %+v with targets denied = %v", in.ID, in.Target, noTargets)
		}
		if noCPU != (in.CPU == nil) {
			t.Errorf("%s: CPU %v with metrics denied = %v", in.ID, in.CPU, noCPU)
		}
	}
}

func mapText(m map[Part]string) string {
	var out []string
	for k, v := range m {
		out = append(out, string(k)+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
