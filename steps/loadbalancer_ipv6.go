package steps

import (
	"context"
	"fmt"
)

// convergeLBIPAddressType puts the load balancer's IP address type to
// load_balancer.ip_address_type in place: AWS lets it change at any time
// (SetIpAddressType), so a change is an update, never a new load
// balancer. The network step gave the public subnets their IPv6 blocks
// before this step runs.
func convergeLBIPAddressType(ctx context.Context, r *Run, arn string) error {
	lb, found, err := r.AWS.LB.LoadBalancer(ctx, arn)
	if err != nil || !found {
		return err
	}
	want := lbIPAddressType(r.Spec)
	if lb.IPAddressType == want {
		return nil
	}
	r.Info("load balancer %s: IP address type %s → %s", lb.Name, lb.IPAddressType, want)
	if err := r.AWS.LB.SetIPAddressType(ctx, arn, want); err != nil {
		return fmt.Errorf("load_balancer.ip_address_type: %w", err)
	}
	return nil
}
