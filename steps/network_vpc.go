package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// natTimeout bounds the wait for a NAT gateway: AWS documents no figure;
// they take one to three minutes, and a few take longer.
const natTimeout = 15 * time.Minute

// applyNew builds or resumes a new VPC: the VPC, its internet gateway, a
// public and (with NAT) a private subnet per AZ, a public route table,
// NAT gateways with their Elastic IPs, and a private route table per AZ.
func (st networkStep) applyNew(ctx context.Context, r *Run) (networkOutputs, error) {
	n := r.Spec.Network
	plan, err := r.Spec.SubnetPlan()
	if err != nil {
		return networkOutputs{}, err
	}
	if err := checkNoMoves(r, plan); err != nil {
		return networkOutputs{}, err
	}
	zones, err := r.AWS.Network.AvailabilityZones(ctx)
	if err != nil {
		return networkOutputs{}, err
	}
	if len(zones) < n.AZs {
		return networkOutputs{}, fmt.Errorf("network.azs is %d, but %s has %d available AZs (%s): set network.azs to %d",
			n.AZs, r.AWS.Region, len(zones), strings.Join(zones, ", "), len(zones))
	}
	if zones, err = zonesOffering(ctx, r, zones); err != nil {
		return networkOutputs{}, err
	}
	want := desiredByKey(st.Desired(r.Spec))
	b := &vpcBuilder{r: r, net: r.AWS.Network, want: want}

	vpc, err := b.vpc(ctx)
	if err != nil {
		return networkOutputs{}, err
	}
	if _, err := b.igw(ctx, vpc.ID); err != nil {
		return networkOutputs{}, err
	}
	out := networkOutputs{vpcID: vpc.ID, cidr: vpc.Attrs["cidr"]}
	subnets := map[string]state.Resource{}
	for _, p := range plan {
		rec, err := b.subnet(ctx, vpc.ID, p, zones[p.AZIndex])
		if err != nil {
			return networkOutputs{}, err
		}
		subnets[keySubnet(p.Tier, p.AZIndex)] = rec
	}
	var publicIDs []string
	for az := range n.AZs {
		pub := subnets[keySubnet(spec.SubnetPublic, az)]
		out.azs = append(out.azs, pub.Attrs["az"])
		out.public = append(out.public, pub.ID)
		publicIDs = append(publicIDs, pub.ID)
		if priv, ok := subnets[keySubnet(spec.SubnetPrivate, az)]; ok {
			out.private = append(out.private, priv.ID)
		}
	}
	igw, _ := r.Recorded(keyIGW)
	if _, err := b.routeTable(ctx, keyPublicRouteTab, vpc.ID, igw.ID, publicIDs); err != nil {
		return networkOutputs{}, err
	}
	// The public side is usable: what needs only it (the security groups,
	// the bastion, the image builder, the load balancer) starts now, while
	// the NAT gateways come up (schedule.go).
	if err := r.SetOutputs(map[string]string{"vpc_id": out.vpcID, "vpc_cidr": out.cidr,
		"azs": strings.Join(out.azs, ","), "public_subnets": strings.Join(out.public, ",")}); err != nil {
		return networkOutputs{}, err
	}
	nats, err := b.nats(ctx, out.public[:natCount(n)])
	if err != nil {
		return networkOutputs{}, err
	}
	if n.NAT != spec.NATNone {
		for az := range n.AZs {
			nat := nats[natFor(n, az)]
			if _, err := b.routeTable(ctx, keyPrivateRouteTab(az), vpc.ID, nat, []string{out.private[az]}); err != nil {
				return networkOutputs{}, err
			}
		}
	}
	return out, nil
}

// checkNoMoves refuses, before any call, a spec whose VPC or subnets
// would have to move: AWS cannot change a VPC's or subnet's block, and
// replacing them means deleting everything inside first (load balancer,
// instances, NAT gateways) — a destroy, which the user should choose.
func checkNoMoves(r *Run, plan []spec.PlannedSubnet) error {
	if rec, ok := r.Recorded(keyVPC); ok && rec.Status == state.ResourceCreated && rec.Attrs["cidr"] != r.Spec.Network.CIDR {
		return fmt.Errorf("network.cidr is %s, but the stack's VPC %s is %s and a VPC's block cannot change: put network.cidr back to %s, or run `stackwiz destroy` and apply again",
			r.Spec.Network.CIDR, rec.ID, rec.Attrs["cidr"], rec.Attrs["cidr"])
	}
	var moves []string
	for _, p := range plan {
		rec, ok := r.Recorded(keySubnet(p.Tier, p.AZIndex))
		if ok && rec.Status == state.ResourceCreated && rec.Attrs["cidr"] != "" && rec.Attrs["cidr"] != p.CIDR.String() {
			moves = append(moves, fmt.Sprintf("%s %s → %s", p.Name, rec.Attrs["cidr"], p.CIDR))
		}
	}
	if len(moves) > 0 {
		return fmt.Errorf("these subnets would move (%s), and a subnet's block cannot change while the load balancer, NAT gateways and instances use it: put network.azs, network.public_subnet_bits and network.private_subnet_bits back, or run `stackwiz destroy` and apply again",
			strings.Join(moves, "; "))
	}
	return nil
}

// vpcBuilder ensures a new VPC's resources one by one.
type vpcBuilder struct {
	r    *Run
	net  *aws.Network
	want map[string]Desired
}

func (b *vpcBuilder) tags(key string) map[string]string { return b.r.Tags(key, b.want[key].Name) }

func (b *vpcBuilder) vpc(ctx context.Context) (state.Resource, error) {
	d := b.want[keyVPC]
	return ensureConverged(ctx, b.r, d, findTagged(b.r, keyVPC, listVPCs),
		func(ctx context.Context, _ string) (string, error) {
			create := b.net.CreateVPC
			if dualstack(b.r.Spec) {
				create = b.net.CreateDualstackVPC
			}
			v, err := create(ctx, d.Attrs["cidr"], b.tags(keyVPC))
			return v.ID, err
		},
		func(ctx context.Context, id string) (map[string]string, error) {
			// DNS hostnames let instances resolve and be resolved by name;
			// AWS leaves them off in a new VPC.
			support, hostnames, err := b.net.VPCDNS(ctx, id)
			if err != nil {
				return nil, err
			}
			if !support {
				if err := b.net.EnableDNSSupport(ctx, id); err != nil {
					return nil, fmt.Errorf("enable DNS support: %w", err)
				}
			}
			if !hostnames {
				if err := b.net.EnableDNSHostnames(ctx, id); err != nil {
					return nil, fmt.Errorf("enable DNS hostnames: %w", err)
				}
			}
			if err := closeDefaultGroup(ctx, b.r, id); err != nil {
				return nil, err
			}
			if err := b.ensureVPCIPv6(ctx, id); err != nil {
				return nil, err
			}
			v, ok, err := b.net.VPC(ctx, id)
			if err != nil || !ok {
				return nil, notFoundOr(err, id)
			}
			return vpcAttrs(ctx, b.r.AWS, v)
		})
}

func (b *vpcBuilder) igw(ctx context.Context, vpcID string) (state.Resource, error) {
	d := withAttrs(b.want[keyIGW], map[string]string{"vpc_id": vpcID})
	return ensureConverged(ctx, b.r, d, findTagged(b.r, keyIGW, listIGWs),
		func(ctx context.Context, _ string) (string, error) {
			g, err := b.net.CreateInternetGateway(ctx, b.tags(keyIGW))
			return g.ID, err
		},
		func(ctx context.Context, id string) (map[string]string, error) {
			g, ok, err := b.net.InternetGateway(ctx, id)
			if err != nil || !ok {
				return nil, notFoundOr(err, id)
			}
			for _, other := range g.VPCs {
				if other != vpcID {
					if err := b.net.DetachInternetGateway(ctx, id, other); err != nil {
						return nil, fmt.Errorf("detach from %s: %w", other, err)
					}
				}
			}
			if !slices.Contains(g.VPCs, vpcID) {
				if err := b.net.AttachInternetGateway(ctx, id, vpcID); err != nil {
					return nil, fmt.Errorf("attach to %s: %w", vpcID, err)
				}
			}
			return map[string]string{"vpc_id": vpcID}, nil
		})
}

func (b *vpcBuilder) subnet(ctx context.Context, vpcID string, p spec.PlannedSubnet, az string) (state.Resource, error) {
	key := keySubnet(p.Tier, p.AZIndex)
	d := withAttrs(b.want[key], map[string]string{"vpc_id": vpcID, "az": az})
	public := p.Tier == spec.SubnetPublic
	return ensureConverged(ctx, b.r, d, findTagged(b.r, key, listSubnets),
		func(ctx context.Context, _ string) (string, error) {
			block, err := b.subnetIPv6Block(ctx, vpcID, p)
			if err != nil {
				return "", err
			}
			if block != "" {
				s, err := b.net.CreateDualstackSubnet(ctx, vpcID, p.CIDR.String(), block, az, b.tags(key))
				return s.ID, err
			}
			s, err := b.net.CreateSubnet(ctx, vpcID, p.CIDR.String(), az, b.tags(key))
			return s.ID, err
		},
		func(ctx context.Context, id string) (map[string]string, error) {
			s, ok, err := b.net.Subnet(ctx, id)
			if err != nil || !ok {
				return nil, notFoundOr(err, id)
			}
			// Public subnets give instances a public IPv4 address (the
			// bastion); private ones must not.
			if s.MapPublicIP != public {
				if err := b.net.SetMapPublicIP(ctx, id, public); err != nil {
					return nil, fmt.Errorf("set map-public-ip-on-launch: %w", err)
				}
				s.MapPublicIP = public
			}
			if s, err = b.ensureSubnetIPv6(ctx, s, vpcID, p); err != nil {
				return nil, err
			}
			return subnetAttrs(s), nil
		})
}

// routeTable ensures a table whose 0.0.0.0/0 goes to target (the internet
// gateway or a NAT gateway) and which the subnets use.
func (b *vpcBuilder) routeTable(ctx context.Context, key, vpcID, target string, subnets []string) (state.Resource, error) {
	sorted := slices.Sorted(slices.Values(subnets))
	d := withAttrs(b.want[key], map[string]string{"vpc_id": vpcID, "route": target, "subnet_ids": strings.Join(sorted, ",")})
	return ensureConverged(ctx, b.r, d, findTagged(b.r, key, listRouteTables),
		func(ctx context.Context, token string) (string, error) {
			t, err := b.net.CreateRouteTable(ctx, vpcID, token, b.tags(key))
			return t.ID, err
		},
		func(ctx context.Context, id string) (map[string]string, error) {
			t, ok, err := b.net.RouteTable(ctx, id)
			if err != nil || !ok {
				return nil, notFoundOr(err, id)
			}
			if cur, _ := t.Route(defaultRoute); cur.Target != target {
				if cur.Target != "" {
					b.r.Info("route table %s: 0.0.0.0/0 moves from %s to %s", id, cur.Target, target)
				}
				if err := b.net.SetRoute(ctx, id, defaultRoute, target); err != nil {
					return nil, fmt.Errorf("route 0.0.0.0/0 to %s: %w", target, err)
				}
			}
			v6, err := b.ensureIPv6Route(ctx, t, d, target)
			if err != nil {
				return nil, err
			}
			have := t.SubnetIDs()
			for _, s := range sorted {
				if !slices.Contains(have, s) {
					if err := b.net.AssociateRouteTable(ctx, id, s); err != nil {
						return nil, fmt.Errorf("associate %s: %w", s, err)
					}
					have = append(have, s)
				}
			}
			slices.Sort(have)
			attrs := map[string]string{"vpc_id": t.VPCID, "route": target, "subnet_ids": strings.Join(have, ","), "ipv6": v6}
			if nat, ok := d.Attrs["nat"]; ok {
				attrs["nat"] = nat
			}
			return attrs, nil
		})
}

// nats ensures an Elastic IP and a NAT gateway in each of the subnets, and
// waits until every gateway is available (they come up side by side). It
// returns the gateways' ids in order.
func (b *vpcBuilder) nats(ctx context.Context, subnets []string) ([]string, error) {
	ids := make([]string, len(subnets))
	for i, subnet := range subnets {
		id, err := b.nat(ctx, i, subnet)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	for i, id := range ids {
		ready, err := b.waitNAT(ctx, i, id)
		if err != nil {
			return nil, err
		}
		if ready {
			continue
		}
		// It failed: AWS keeps a failed gateway for an hour and never
		// retries it. Delete it and make a new one, once.
		if err := b.r.Delete(ctx, keyNAT(i)); err != nil {
			return nil, err
		}
		if ids[i], err = b.nat(ctx, i, subnets[i]); err != nil {
			return nil, err
		}
		if ready, err = b.waitNAT(ctx, i, ids[i]); err != nil {
			return nil, err
		} else if !ready {
			g, _, _ := b.net.NATGateway(ctx, ids[i])
			return nil, fmt.Errorf("NAT gateway %s failed twice (%s): check the Elastic IP quota and the subnet's route to the internet gateway", ids[i], g.Failure)
		}
	}
	return ids, nil
}

func (b *vpcBuilder) nat(ctx context.Context, i int, subnet string) (string, error) {
	eipKey, natKey := keyEIP(i), keyNAT(i)
	eip, err := b.r.Ensure(ctx, b.want[eipKey], Ops{
		Find: findTagged(b.r, eipKey, listAddresses),
		Create: func(ctx context.Context, _ string) (Found, error) {
			a, err := b.net.AllocateAddress(ctx, b.tags(eipKey))
			return Found{ID: a.AllocationID, Attrs: map[string]string{"public_ip": a.PublicIP}}, err
		},
	})
	if err != nil {
		return "", err
	}
	d := withAttrs(b.want[natKey], map[string]string{"subnet_id": subnet})
	rec, err := b.r.Ensure(ctx, d, Ops{
		Find: findTagged(b.r, natKey, listNATs),
		Create: func(ctx context.Context, token string) (Found, error) {
			g, err := b.net.CreateNATGateway(ctx, subnet, eip.ID, token, b.tags(natKey))
			if aws.IsCode(err, "IdempotentParameterMismatch") {
				err = fmt.Errorf("%w (a NAT gateway was already made with this request's token for other parameters; run apply again)", err)
			}
			return Found{ID: g.ID, Attrs: map[string]string{"subnet_id": subnet}}, err
		},
	})
	return rec.ID, err
}

// waitNAT waits until NAT gateway i is available; false when it failed.
func (b *vpcBuilder) waitNAT(ctx context.Context, i int, id string) (bool, error) {
	var g aws.NATGateway
	err := b.r.Wait(ctx, keyNAT(i), "NAT gateway "+id+" to be available (1–3 minutes)", natTimeout, func(ctx context.Context) (bool, error) {
		var ok bool
		var err error
		g, ok, err = b.net.NATGateway(ctx, id)
		switch {
		case err != nil:
			return false, err
		case !ok || g.Gone():
			return false, fmt.Errorf("NAT gateway %s was deleted while stackwiz waited for it: run apply again", id)
		}
		return g.State == "available" || g.State == "failed", nil
	})
	if err != nil {
		return false, err
	}
	if g.State == "failed" {
		b.r.Warn("NAT gateway %s failed (%s); replacing it", id, g.Failure)
		return false, nil
	}
	return true, nil
}

// notFoundOr returns err, or a not-found error for id when err is nil.
func notFoundOr(err error, id string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s does not exist (deleted outside stackwiz?): run apply again to create it", id)
}

// defaultGroupClosed is the VPC's default_sg attr when its default
// security group has no rules.
const defaultGroupClosed = "no rules"

// vpcAttrs are a VPC's attrs: its CIDR and the rules of its default
// security group.
func vpcAttrs(ctx context.Context, c *aws.Clients, v aws.NetworkVPC) (map[string]string, error) {
	sg, ok, err := c.Firewall.SecurityGroupByName(ctx, v.ID, "default")
	if err != nil {
		return nil, fmt.Errorf("describe the default security group of %s: %w", v.ID, err)
	}
	rules := defaultGroupClosed
	if n := len(sg.Ingress) + len(sg.Egress); ok && n > 0 {
		rules = fmt.Sprintf("%d rules", n)
	}
	return map[string]string{"cidr": v.CIDR, "default_sg": rules, "ipv6": strconv.FormatBool(v.IPv6)}, nil
}

// closeDefaultGroup takes every rule off the VPC's default security group,
// which AWS creates admitting all traffic between its members and letting
// all out. Nothing of the stack uses it; a resource launched without a
// group would land in it (Security Hub EC2.2).
func closeDefaultGroup(ctx context.Context, r *Run, vpcID string) error {
	fw := r.AWS.Firewall
	sg, ok, err := fw.SecurityGroupByName(ctx, vpcID, "default")
	if err != nil || !ok {
		return err
	}
	if err := fw.RevokeIngress(ctx, sg.ID, sg.Ingress); err != nil {
		return fmt.Errorf("revoke the ingress of the default security group %s: %w", sg.ID, err)
	}
	if err := fw.RevokeEgress(ctx, sg.ID, sg.Egress); err != nil {
		return fmt.Errorf("revoke the egress of the default security group %s: %w", sg.ID, err)
	}
	return nil
}

func subnetAttrs(s aws.Subnet) map[string]string {
	return map[string]string{"cidr": s.CIDR, "az": s.AZ, "vpc_id": s.VPCID, "map_public_ip": strconv.FormatBool(s.MapPublicIP),
		"ipv6": strconv.FormatBool(s.IPv6CIDR != "")}
}
