package wizard

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// What the wizard looks up, each loaded by its own command.
type lookup int

const (
	lookProfiles lookup = iota
	lookCaller
	lookRegions
	lookAZs
	lookVPCs
	lookKeyPairs
	lookZones
	lookCerts
	lookImage
	lookPublicIP
	lookCount
)

var lookupNames = [lookCount]string{
	"AWS profiles", "who you are", "regions", "Availability Zones", "VPCs", "key pairs",
	"hosted zones", "certificates", "the latest image", "your public IP",
}

// found is what the lookups found so far.
type found struct {
	profiles []aws.Profile
	caller   aws.Caller
	regions  []string
	azs      []string
	vpcs     []aws.VPC
	keyPairs []string
	zones    []aws.HostedZone
	certs    []aws.Certificate
	image    string // the latest image id of the draft's base
	imageFor string // "base/arch" the image is for
	publicIP string
	errs     [lookCount]error
	done     [lookCount]bool
}

// lookedUpMsg is one lookup's result. conn is the connection it was made
// on: a result from an older connection (the user picked another profile
// or region meanwhile) is dropped.
type lookedUpMsg struct {
	conn  int
	what  lookup
	value any
	err   error
}

// Screen addresses the message to the wizard.
func (lookedUpMsg) Screen() screen.ID { return screen.Wizard }

// connectedMsg is the result of Connect.
type connectedMsg struct {
	conn    int
	clients *aws.Clients
	profile string
	region  string
	err     error
}

func (connectedMsg) Screen() screen.ID { return screen.Wizard }

// lookupTimeout bounds each lookup: a slow account must not hold a form,
// and an endpoint that accepts connections but never answers must fail the
// Identity step while the user still waits for it, not when the SDK's
// retries run out (minutes).
const lookupTimeout = 15 * time.Second

func lookupCmd(ctx context.Context, conn int, what lookup, fn func(context.Context) (any, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		v, err := fn(ctx)
		return lookedUpMsg{conn: conn, what: what, value: v, err: err}
	}
}

// profilesCmd reads the AWS config files.
func profilesCmd(conn int, config, credentials string) tea.Cmd {
	return func() tea.Msg {
		ps, err := aws.Profiles(config, credentials)
		return lookedUpMsg{conn: conn, what: lookProfiles, value: ps, err: err}
	}
}

// connectCmd builds the clients for a profile and region.
func connectCmd(ctx context.Context, connect Connector, conn int, profile, region string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		c, err := connect(ctx, profile, region)
		return connectedMsg{conn: conn, clients: c, profile: profile, region: region, err: err}
	}
}

// discoverCmds starts every lookup of the account once connected.
func discoverCmds(ctx context.Context, conn int, c *aws.Clients, base, arch string, ip ipLookup) []tea.Cmd {
	d := c.Discover
	cmds := []tea.Cmd{
		lookupCmd(ctx, conn, lookCaller, func(ctx context.Context) (any, error) { return c.Identity.Caller(ctx) }),
		lookupCmd(ctx, conn, lookRegions, func(ctx context.Context) (any, error) { return d.Regions(ctx) }),
		lookupCmd(ctx, conn, lookAZs, func(ctx context.Context) (any, error) { return d.AvailabilityZones(ctx) }),
		lookupCmd(ctx, conn, lookVPCs, func(ctx context.Context) (any, error) { return d.VPCs(ctx) }),
		lookupCmd(ctx, conn, lookKeyPairs, func(ctx context.Context) (any, error) { return d.KeyPairs(ctx) }),
		lookupCmd(ctx, conn, lookZones, func(ctx context.Context) (any, error) { return d.HostedZones(ctx) }),
		lookupCmd(ctx, conn, lookCerts, func(ctx context.Context) (any, error) { return d.Certificates(ctx) }),
		imageCmd(ctx, conn, c.Params, base, arch),
	}
	if ip.fn != nil || ip.url != "" {
		cmds = append(cmds, lookupCmd(ctx, conn, lookPublicIP, func(ctx context.Context) (any, error) {
			var a netip.Addr
			var err error
			if ip.fn != nil {
				a, err = ip.fn(ctx)
			} else {
				a, err = aws.PublicIP(ctx, ip.client, ip.url)
			}
			if err != nil {
				return "", err
			}
			return a.String(), nil
		}))
	}
	return cmds
}

// imageResult is the latest image of one base and architecture.
type imageResult struct{ id, key string }

func imageCmd(ctx context.Context, conn int, params *aws.Params, base, arch string) tea.Cmd {
	return lookupCmd(ctx, conn, lookImage, func(ctx context.Context) (any, error) {
		name, err := steps.BaseImageParameter(base, arch)
		if err != nil {
			return imageResult{key: base + "/" + arch}, err
		}
		id, ok, err := params.Get(ctx, name)
		if err == nil && !ok {
			err = fmt.Errorf("the region has no public parameter %s", name)
		}
		return imageResult{id: id, key: base + "/" + arch}, err
	})
}

// ipLookup is how the caller's public IP is found: the engine's own
// answer when it has one (the sandbox's), else url; neither skips it.
type ipLookup struct {
	fn     func(context.Context) (netip.Addr, error)
	client *http.Client
	url    string
}

// record stores a lookup result.
func (f *found) record(m lookedUpMsg) {
	f.done[m.what] = true
	f.errs[m.what] = m.err
	if m.err != nil {
		return
	}
	switch v := m.value.(type) {
	case []aws.Profile:
		f.profiles = v
	case aws.Caller:
		f.caller = v
	case []aws.VPC:
		f.vpcs = v
	case []aws.HostedZone:
		f.zones = v
	case []aws.Certificate:
		f.certs = v
	case imageResult:
		f.image, f.imageFor = v.id, v.key
	case string:
		f.publicIP = v
	case []string:
		switch m.what {
		case lookRegions:
			f.regions = v
		case lookAZs:
			f.azs = v
		case lookKeyPairs:
			f.keyPairs = v
		}
	}
}

// pending returns the lookups of step that have not answered yet.
func (f *found) pending(step steps.StepID, connected bool) []lookup {
	var out []lookup
	for _, l := range lookupsOf(step) {
		if f.done[l] {
			continue
		}
		if l != lookProfiles && !connected {
			continue // not asked until there are credentials
		}
		out = append(out, l)
	}
	return out
}

// Short names for the discovered types the forms list.
type (
	awsProfile = aws.Profile
	awsVPC     = aws.VPC
)

const awsCheckIPURL = aws.CheckIPURL
