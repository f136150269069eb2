package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// AccountID is the account every sandbox request acts in.
const AccountID = "123456789012"

// worldVersion is bumped when the persisted layout changes incompatibly; a
// data file of another version is set aside and a fresh world starts.
const worldVersion = 1

// World is everything the sandbox knows. It is guarded by Sandbox.mu and
// persisted as JSON, so every field that matters must be exported.
type World struct {
	Version int    `json:"version"`
	Seq     uint64 `json:"seq"` // feeds IDs; never reused
	// ClockOffset is how far /_sandbox/clock (or Advance) has moved this
	// world's time ahead of the wall clock: its timestamps are on that
	// time, so every process serving the world keeps it.
	ClockOffset time.Duration `json:"clock_offset,omitempty"`
	// Regional services, by region name.
	Regions map[string]*Region `json:"regions"`
	// Global services.
	IAM     *IAMState     `json:"iam"`
	Route53 *Route53State `json:"route53"`
	// S3's buckets: their names are global.
	S3 *S3State `json:"s3,omitempty"`
}

// Region holds the regional services' state.
type Region struct {
	Name string    `json:"name"`
	EC2  *EC2State `json:"ec2"`
	ELB  *ELBState `json:"elb"`
	ASG  *ASGState `json:"asg"`
	ACM  *ACMState `json:"acm"`
	CW   *CWState  `json:"cloudwatch"`
	SNS  *SNSState `json:"sns"`
	SSM  *SSMState `json:"ssm,omitempty"`
	KMS  *KMSState `json:"kms,omitempty"`
	// Logs are the log deliveries: VPC flow logs (EC2 API) and the load balancers' access logs.
	Logs *LogsState `json:"logs,omitempty"`
	w    *World     // back pointer, restored after load
}

func newWorld() *World {
	w := &World{Version: worldVersion, Regions: map[string]*Region{}}
	w.ensure()
	return w
}

// ensure fills nil service states, after creation or after loading an
// older file that lacks a service.
func (w *World) ensure() {
	if w.Regions == nil {
		w.Regions = map[string]*Region{}
	}
	if w.IAM == nil {
		w.IAM = newIAMState()
	}
	if w.Route53 == nil {
		w.Route53 = newRoute53State()
	}
	if w.S3 == nil {
		w.S3 = newS3State()
	}
	for name, r := range w.Regions {
		r.Name = name
		r.w = w
		r.ensure()
	}
}

func (r *Region) ensure() {
	if r.EC2 == nil {
		r.EC2 = newEC2State()
	}
	r.EC2.ensure()
	if r.ELB == nil {
		r.ELB = newELBState()
	}
	if r.ASG == nil {
		r.ASG = newASGState()
	}
	if r.ACM == nil {
		r.ACM = newACMState()
	}
	if r.CW == nil {
		r.CW = newCWState()
	}
	if r.SNS == nil {
		r.SNS = newSNSState()
	}
	if r.SSM == nil {
		r.SSM = newSSMState()
	}
	if r.KMS == nil {
		r.KMS = newKMSState()
	}
	if r.Logs == nil {
		r.Logs = newLogsState()
	}
}

// region returns the named region, creating it (with the built-ins of a new
// account: default VPC, subnets, security group, public images) on first use.
func (w *World) region(name string) *Region {
	if r, ok := w.Regions[name]; ok {
		return r
	}
	r := &Region{Name: name, w: w}
	r.ensure()
	w.Regions[name] = r
	seedRegion(r)
	return r
}

// regionNames returns the regions in use, sorted, so ticks and listings are deterministic.
func (w *World) regionNames() []string {
	names := make([]string, 0, len(w.Regions))
	for n := range w.Regions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// newHex returns n deterministic hex digits, unique per call.
func (w *World) newHex(n int) string {
	w.Seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("stackwiz-sandbox-%d", w.Seq)))
	h := hex.EncodeToString(sum[:])
	for len(h) < n {
		h += h
	}
	return h[:n]
}

// newID returns an EC2-style id: prefix-<17 hex>, e.g. vpc-0a1b2c3d4e5f60718.
func (w *World) newID(prefix string) string { return prefix + "-0" + w.newHex(16) }

// AZs returns the three availability zones every sandbox region has.
func AZs(region string) []string {
	return []string{region + "a", region + "b", region + "c"}
}

// azID returns the zone id AWS pairs with a zone name: us-east-1a → use1-az1,
// ap-northeast-2c → apne2-az3.
func azID(region, zone string) string {
	compass := map[string]string{"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
		"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}
	parts := strings.Split(region, "-")
	short := ""
	for i, p := range parts {
		switch {
		case i == 0 || i == len(parts)-1:
			short += p
		case compass[p] != "":
			short += compass[p]
		default:
			short += p[:1]
		}
	}
	return fmt.Sprintf("%s-az%d", short, int(zone[len(zone)-1]-'a')+1)
}

// InventoryItem is one live resource created through the API.
type InventoryItem struct {
	Type   string            `json:"type"`
	ID     string            `json:"id"`
	Region string            `json:"region,omitempty"`
	Name   string            `json:"name,omitempty"`
	State  string            `json:"state,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
}

// inventory lists every live, API-created resource, sorted by type and id.
func (w *World) inventory() []InventoryItem {
	var items []InventoryItem
	items = append(items, w.IAM.inventory()...)
	items = append(items, w.Route53.inventory()...)
	items = append(items, w.S3.inventory()...)
	for _, name := range w.regionNames() {
		r := w.Regions[name]
		for _, part := range [][]InventoryItem{r.EC2.inventory(), r.ELB.inventory(), r.ASG.inventory(), r.ACM.inventory(), r.CW.inventory(), r.SNS.inventory(), r.KMS.inventory(), r.Logs.inventory()} {
			for _, it := range part {
				it.Region = name
				items = append(items, it)
			}
		}
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].Type != items[j].Type {
			return items[i].Type < items[j].Type
		}
		return items[i].ID < items[j].ID
	})
	return items
}

// tick moves every time-driven process forward to now: instance and NAT
// states, load balancer provisioning, target health, group reconciliation,
// certificate validation, alarm evaluation. Order matters: what a later
// service reads, an earlier one has already settled.
func (w *World) tick(now time.Time, d durations) {
	w.IAM.tick(w, now, d)
	w.Route53.tick(w, now, d)
	for _, name := range w.regionNames() {
		r := w.Regions[name]
		r.EC2.tick(r, now, d)
		r.ELB.tick(r, now, d)
		r.ASG.tick(r, now, d)
		r.EC2.tick(r, now, d) // instances the groups just launched or terminated
		r.ACM.tick(r, now, d)
		r.CW.tick(r, now, d)
		r.KMS.tick(now)
		r.Logs.tick(r, now)
	}
	w.S3.tick(now)
}

func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
