package sandbox

import "time"

// albTargetGroup is what the load balancer metrics need to know of a target
// group: its load balancer (the LoadBalancer dimension) and when each began.
type albTargetGroup struct {
	ARN                 string
	LoadBalancerARN     string
	LoadBalancerCreated time.Time
}

// TEMPORARY (until the ELBv2 owner's elbv2*.go is in main): the ELB side of
// the contract CloudWatch reads. Replace with the real albTargetGroups in
// this file and delete the two stubs below once ELBv2 provides them.

func (r *Region) albTargetGroups() []albTargetGroup { return nil }

// targetGroupHealthCounts returns how many of a group's targets are healthy and unhealthy.
func (r *Region) targetGroupHealthCounts(tgArn string) (healthy, unhealthy int) { return 0, 0 }

// loadBalancerOfTargetGroup returns the ARN of the load balancer that routes to the group, or "".
func (r *Region) loadBalancerOfTargetGroup(tgArn string) string { return "" }
