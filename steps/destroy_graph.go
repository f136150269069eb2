package steps

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/stackwiz/stackwiz/state"
)

// Destroy deletes each resource as soon as every resource that may use it
// on AWS is gone, not level by level: the group's instances, the bastion,
// the load balancer and the NAT gateways are waited for at once, and what
// needs none of them (alarms, the role's policies, the launch template
// once the group is gone) does not wait behind them.

// deleteAfter lists, for a resource type, the types whose resources must
// be gone before it is deleted: what holds it on AWS (an interface in a
// subnet, a group attached to a target group, a mapped public address on
// an internet gateway), or what would point at it while gone (an alias at
// a load balancer). Every type named comes earlier in kind Order, so the
// graph is acyclic (TestDeleteAfterFollowsKindOrder). A type absent from
// it, or absent from another type's list while unknown here, keeps kind
// Order: it waits for every type of a lower Order.
func deleteAfter() map[string][]string {
	const (
		instance      = typeInstance
		image         = "ec2:image"
		template      = "ec2:launch-template"
		role          = "iam:role"
		profile       = "iam:instance-profile"
		group         = typeASGGroup
		loadBalancer  = typeLoadBalancer
		natGateway    = networkTypeNAT
		internetGW    = networkTypeIGW
		routeTable    = networkTypeRouteTb
		subnet        = networkTypeSubnet
		securityGroup = securityTypeGroup
	)
	return map[string][]string{
		typeAlarm:        nil,
		typeSubscription: nil,
		typeTopic:        {typeAlarm, typeSubscription},
		typeKey:          {typeTopic},
		typeRecord:       nil,
		typeASGPolicy:    nil,
		group:            {typeASGPolicy},
		typeListener:     nil,
		loadBalancer:     {typeListener, typeRecord},
		typeTargetGroup:  {typeListener, loadBalancer, group},
		typeCertificate:  {typeListener, loadBalancer},
		typeHostedZone:   {typeRecord, typeCertificate},
		template:         {group},
		instance:         nil,
		image:            {template, instance},
		natGateway:       nil,
		networkTypeEIP:   {natGateway, instance},
		internetGW:       {group, loadBalancer, instance, natGateway, networkTypeEIP},
		routeTable:       nil, // its routes may name a NAT or internet gateway still there
		securityGroup:    {group, loadBalancer, instance},
		subnet:           {group, loadBalancer, instance, natGateway, routeTable},
		networkTypeVPC:   {internetGW, routeTable, securityGroup, subnet, typeFlowLog},
		typeFlowLog:      nil,
		typeBucket:       {loadBalancer, typeFlowLog}, // nothing may still deliver to it
		profile:          {group, instance},
		role:             {profile},
	}
}

// deletesBefore reports whether resources of type u must be gone before
// one of type t is deleted.
func (e *Engine) deletesBefore(graph map[string][]string, u, t string) bool {
	if e.kinds.order(u) >= e.kinds.order(t) {
		return false
	}
	after, known := graph[t]
	if _, uKnown := graph[u]; !known || !uKnown {
		return true
	}
	return slices.Contains(after, u)
}

// deleteGraph deletes rs, each as soon as the resources of every type it
// waits for (deleteAfter) have been deleted or have failed to be. A failure
// does not stop the rest: what does not depend on the failed resource is
// still deleted, and what does fails on its own (a dependency error,
// retried within Poll.Dependency, or at once when the failed resource may
// be its holder) and is reported.
func (e *Engine) deleteGraph(ctx context.Context, rs []state.Resource) error {
	graph := deleteAfter()
	byType := map[string][]state.Resource{}
	for _, r := range rs {
		byType[r.Type] = append(byType[r.Type], r)
	}
	ended := map[string]chan struct{}{}
	left := map[string]*sync.WaitGroup{}
	for t := range byType {
		ended[t] = make(chan struct{})
		left[t] = &sync.WaitGroup{}
		left[t].Add(len(byType[t]))
	}
	var (
		mu     sync.Mutex
		errs   []error
		failed []state.Resource // what could not be deleted so far
		wg     sync.WaitGroup
		sem    = make(chan struct{}, destroyConcurrency)
	)
	for t, of := range byType {
		go func() {
			left[t].Wait()
			close(ended[t])
		}()
		// Newest first within a type, as they were made.
		slices.Reverse(of)
		for _, r := range of {
			wg.Go(func() {
				defer left[t].Done()
				for u := range byType {
					if e.deletesBefore(graph, u, t) {
						select {
						case <-ended[u]:
						case <-ctx.Done():
						}
					}
				}
				if ctx.Err() != nil {
					mu.Lock()
					errs = append(errs, ctx.Err())
					mu.Unlock()
					return
				}
				sem <- struct{}{}
				defer func() { <-sem }()
				mu.Lock()
				// Only what kind Order deletes before r may hold it.
				var before []state.Resource
				for _, l := range failed {
					if e.kinds.order(l.Type) < e.kinds.order(t) {
						before = append(before, l)
					}
				}
				mu.Unlock()
				if err := e.deleteHeld(ctx, r, e.holder(r, before)); err != nil {
					mu.Lock()
					errs = append(errs, err)
					if cur, ok := e.store.Resource(r.Key); ok && cur.Live() {
						failed = append(failed, cur)
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return errors.Join(dedupCtx(errs)...)
}

// dedupCtx keeps one context error among errs: every resource not started
// when the destroy was cancelled says the same.
func dedupCtx(errs []error) []error {
	var out []error
	seen := false
	for _, err := range errs {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			if seen {
				continue
			}
			seen = true
		}
		out = append(out, err)
	}
	return out
}
