package aws

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// Discovery answers what the wizard offers as defaults: the account's
// regions, AZs, VPCs, hosted zones, certificates and key pairs (the
// current images come from Params). It only reads. Each lookup has its own small interface, so a
// lookup's needs are plain to see.
type Discovery struct {
	regions regionListAPI
	azs     azListAPI
	vpcs    vpcListAPI
	keys    keyPairListAPI
	zones   zoneListAPI
	certs   certListAPI
}

type regionListAPI interface {
	DescribeRegions(context.Context, *ec2.DescribeRegionsInput, ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
}

type azListAPI interface {
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)
}

type vpcListAPI interface {
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
}

type keyPairListAPI interface {
	DescribeKeyPairs(context.Context, *ec2.DescribeKeyPairsInput, ...func(*ec2.Options)) (*ec2.DescribeKeyPairsOutput, error)
}

type zoneListAPI interface {
	ListHostedZones(context.Context, *route53.ListHostedZonesInput, ...func(*route53.Options)) (*route53.ListHostedZonesOutput, error)
}

type certListAPI interface {
	ListCertificates(context.Context, *acm.ListCertificatesInput, ...func(*acm.Options)) (*acm.ListCertificatesOutput, error)
}

// NewDiscovery builds the lookups from cfg.
func NewDiscovery(cfg sdk.Config) *Discovery {
	ec := ec2.NewFromConfig(cfg)
	return &Discovery{
		regions: ec, azs: ec, vpcs: ec, keys: ec,
		zones: route53.NewFromConfig(cfg),
		certs: acm.NewFromConfig(cfg),
	}
}

// Regions returns the regions enabled for the account, sorted.
func (d *Discovery) Regions(ctx context.Context) ([]string, error) {
	out, err := d.regions.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, fmt.Errorf("describe regions: %w", err)
	}
	var names []string
	for _, r := range out.Regions {
		if r.OptInStatus != nil && *r.OptInStatus == "not-opted-in" {
			continue
		}
		names = append(names, deref(r.RegionName))
	}
	slices.Sort(names)
	return names, nil
}

// AvailabilityZones returns the names of the region's available AZs
// (zone type availability-zone: no Local or Wavelength Zones), sorted.
func (d *Discovery) AvailabilityZones(ctx context.Context) ([]string, error) {
	out, err := d.azs.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []ec2types.Filter{
			{Name: sdk.String("state"), Values: []string{"available"}},
			{Name: sdk.String("zone-type"), Values: []string{"availability-zone"}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("describe availability zones: %w", err)
	}
	var names []string
	for _, z := range out.AvailabilityZones {
		names = append(names, deref(z.ZoneName))
	}
	slices.Sort(names)
	return names, nil
}

// VPC is one VPC of the region.
type VPC struct {
	ID      string
	CIDR    string
	Name    string // its Name tag
	Default bool
	// Stack is its stackwiz:stack tag: a VPC another stack created.
	Stack string
}

// VPCs returns the region's VPCs, the default one first.
func (d *Discovery) VPCs(ctx context.Context) ([]VPC, error) {
	var vpcs []VPC
	p := ec2.NewDescribeVpcsPaginator(d.vpcs, &ec2.DescribeVpcsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe vpcs: %w", err)
		}
		for _, v := range out.Vpcs {
			vpc := VPC{ID: deref(v.VpcId), CIDR: deref(v.CidrBlock), Default: v.IsDefault != nil && *v.IsDefault}
			for _, t := range v.Tags {
				switch deref(t.Key) {
				case "Name":
					vpc.Name = deref(t.Value)
				case "stackwiz:stack":
					vpc.Stack = deref(t.Value)
				}
			}
			vpcs = append(vpcs, vpc)
		}
	}
	slices.SortStableFunc(vpcs, func(a, b VPC) int {
		if a.Default != b.Default {
			if a.Default {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return vpcs, nil
}

// KeyPairs returns the names of the region's EC2 key pairs, sorted.
func (d *Discovery) KeyPairs(ctx context.Context) ([]string, error) {
	out, err := d.keys.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
	if err != nil {
		return nil, fmt.Errorf("describe key pairs: %w", err)
	}
	var names []string
	for _, k := range out.KeyPairs {
		names = append(names, deref(k.KeyName))
	}
	slices.Sort(names)
	return names, nil
}

// HostedZone is one Route 53 hosted zone of the account.
type HostedZone struct {
	ID      string // without the /hostedzone/ prefix
	Name    string // without the final dot
	Private bool
	Records int64
}

// HostedZones returns the account's hosted zones, by name.
func (d *Discovery) HostedZones(ctx context.Context) ([]HostedZone, error) {
	var zones []HostedZone
	p := route53.NewListHostedZonesPaginator(d.zones, &route53.ListHostedZonesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list hosted zones: %w", err)
		}
		for _, z := range out.HostedZones {
			hz := HostedZone{
				ID:   strings.TrimPrefix(deref(z.Id), "/hostedzone/"),
				Name: strings.TrimSuffix(deref(z.Name), "."),
			}
			if z.Config != nil {
				hz.Private = z.Config.PrivateZone
			}
			if z.ResourceRecordSetCount != nil {
				hz.Records = *z.ResourceRecordSetCount
			}
			zones = append(zones, hz)
		}
	}
	slices.SortFunc(zones, func(a, b HostedZone) int { return strings.Compare(a.Name, b.Name) })
	return zones, nil
}

// Certificate is one ACM certificate of the region.
type Certificate struct {
	ARN    string
	Domain string
	Status string // ISSUED, PENDING_VALIDATION, ...
	InUse  bool
}

// Certificates returns the region's ACM certificates, issued ones first.
func (d *Discovery) Certificates(ctx context.Context) ([]Certificate, error) {
	var certs []Certificate
	p := acm.NewListCertificatesPaginator(d.certs, &acm.ListCertificatesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list certificates: %w", err)
		}
		for _, c := range out.CertificateSummaryList {
			certs = append(certs, Certificate{
				ARN: deref(c.CertificateArn), Domain: deref(c.DomainName),
				Status: string(c.Status), InUse: c.InUse != nil && *c.InUse,
			})
		}
	}
	slices.SortStableFunc(certs, func(a, b Certificate) int {
		ai, bi := a.Status == string(acmtypes.CertificateStatusIssued), b.Status == string(acmtypes.CertificateStatusIssued)
		if ai != bi {
			if ai {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Domain, b.Domain)
	})
	return certs, nil
}

// CheckIPURL answers with the caller's public IPv4 address as plain text.
const CheckIPURL = "https://checkip.amazonaws.com"

// PublicIP asks url (CheckIPURL normally) for the caller's public IPv4
// address, for an SSH rule that admits only it.
func PublicIP(ctx context.Context, client *http.Client, url string) (netip.Addr, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ask %s for the public IP: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ask %s for the public IP: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return netip.Addr{}, fmt.Errorf("ask %s for the public IP: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("read the public IP from %s: %w", url, err)
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(string(body)))
	if err != nil || !ip.Is4() {
		return netip.Addr{}, fmt.Errorf("%s answered %q, not an IPv4 address", url, strings.TrimSpace(string(body)))
	}
	return ip, nil
}

// Profile is one named profile of the AWS config files.
type Profile struct {
	Name   string
	Region string
	// Kind says how the profile gets credentials: "sso", "assume-role",
	// "process", "keys" (static keys in the credentials file) or "" when
	// the files do not say (environment, instance role).
	Kind string
	// SSOSession is the sso-session section an SSO profile uses, "" for a
	// legacy SSO profile that names its start URL itself.
	SSOSession string
}

// ConfigFiles returns the AWS config and credentials files the SDK reads:
// $AWS_CONFIG_FILE and $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and
// ~/.aws/credentials.
func ConfigFiles() (config, credentials string) {
	home, _ := os.UserHomeDir()
	config, credentials = os.Getenv("AWS_CONFIG_FILE"), os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if config == "" {
		config = filepath.Join(home, ".aws", "config")
	}
	if credentials == "" {
		credentials = filepath.Join(home, ".aws", "credentials")
	}
	return config, credentials
}

// Profiles lists the profiles of the config and credentials files (either
// may be missing), default first, then by name. It reads only section
// names and the keys that say a profile's region and kind: no secret is
// kept.
func Profiles(configFile, credentialsFile string) ([]Profile, error) {
	byName := map[string]*Profile{}
	get := func(name string) *Profile {
		if p, ok := byName[name]; ok {
			return p
		}
		p := &Profile{Name: name}
		byName[name] = p
		return p
	}
	err := readINI(configFile, func(section, key, value string) {
		name, ok := configProfileName(section)
		if !ok {
			return
		}
		p := get(name)
		switch key {
		case "":
		case "region":
			p.Region = value
		case "sso_session":
			p.Kind, p.SSOSession = "sso", value
		case "sso_start_url", "sso_account_id":
			p.Kind = "sso"
		case "role_arn":
			if p.Kind == "" {
				p.Kind = "assume-role"
			}
		case "credential_process":
			if p.Kind == "" {
				p.Kind = "process"
			}
		case "aws_access_key_id":
			if p.Kind == "" {
				p.Kind = "keys"
			}
		}
	})
	if err != nil {
		return nil, err
	}
	err = readINI(credentialsFile, func(section, key, _ string) {
		p := get(strings.TrimSpace(section))
		if key == "aws_access_key_id" && p.Kind == "" {
			p.Kind = "keys"
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]Profile, 0, len(byName))
	for _, p := range byName {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Profile) int {
		switch {
		case a.Name == "default":
			return -1
		case b.Name == "default":
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// configProfileName returns the profile a config file section is about:
// [default] and [profile NAME]; [sso-session NAME] and [services NAME] are
// not profiles.
func configProfileName(section string) (string, bool) {
	section = strings.TrimSpace(section)
	if section == "default" {
		return section, true
	}
	name, ok := strings.CutPrefix(section, "profile ")
	if !ok {
		return "", false
	}
	name = strings.TrimSpace(name)
	return name, name != ""
}

// readINI calls fn for every section header (key "") and key of an AWS
// INI file; a missing file has none.
func readINI(path string, fn func(section, key, value string)) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read AWS config: %w", err)
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
			fn(section, "", "")
		case section != "":
			k, v, ok := strings.Cut(line, "=")
			if ok {
				fn(section, strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read AWS config %s: %w", path, err)
	}
	return nil
}
