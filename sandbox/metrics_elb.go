package sandbox

import (
	"sort"
	"time"
)

// albTargetGroup is what the load balancer metrics need to know of a target
// group: its load balancer (the LoadBalancer dimension) and when each began.
type albTargetGroup struct {
	ARN                 string
	LoadBalancerARN     string
	LoadBalancerCreated time.Time
}

// albTargetGroups lists the region's target groups that a load balancer
// routes to, sorted by ARN; groups without one have no metrics.
func (r *Region) albTargetGroups() []albTargetGroup {
	var out []albTargetGroup
	for arn := range r.ELB.TargetGroups {
		lbArn := r.loadBalancerOfTargetGroup(arn)
		lb := r.ELB.LoadBalancers[lbArn]
		if lb == nil {
			continue
		}
		out = append(out, albTargetGroup{ARN: arn, LoadBalancerARN: lbArn, LoadBalancerCreated: lb.CreatedTime})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}
