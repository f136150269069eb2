package aws

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// LaunchTemplate is a launch template without its versions.
type LaunchTemplate struct {
	ID             string
	Name           string
	DefaultVersion int64
	LatestVersion  int64
	Tags           map[string]string
}

// TemplateData is what one launch template version says about the
// instances it launches: the settings stackwiz manages.
type TemplateData struct {
	ImageID          string
	InstanceType     string
	ProfileARN       string
	SecurityGroupIDs []string
	KeyName          string
	// UserData is base64, as launch templates hold it.
	UserData string
	// RootDevice, RootGiB, RootType and Encrypted describe the root volume
	// mapping (the first block device mapping).
	RootDevice string
	RootGiB    int
	RootType   string
	Encrypted  bool
	// HTTPTokens is "required" for IMDSv2 only; HopLimit is the PUT
	// response hop limit.
	HTTPTokens string
	HopLimit   int
	// InstanceTags and VolumeTags are put on what the template launches.
	InstanceTags map[string]string
	VolumeTags   map[string]string
}

// Base64 encodes user data as EC2 wants it.
func Base64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func (d TemplateData) request() *types.RequestLaunchTemplateData {
	r := &types.RequestLaunchTemplateData{
		ImageId: sdk.String(d.ImageID), InstanceType: types.InstanceType(d.InstanceType),
		MetadataOptions: &types.LaunchTemplateInstanceMetadataOptionsRequest{
			HttpTokens:   types.LaunchTemplateHttpTokensState(d.HTTPTokens),
			HttpEndpoint: types.LaunchTemplateInstanceMetadataEndpointStateEnabled,
		},
	}
	if d.HopLimit > 0 {
		r.MetadataOptions.HttpPutResponseHopLimit = sdk.Int32(int32(d.HopLimit))
	}
	if d.ProfileARN != "" {
		r.IamInstanceProfile = &types.LaunchTemplateIamInstanceProfileSpecificationRequest{Arn: sdk.String(d.ProfileARN)}
	}
	if len(d.SecurityGroupIDs) > 0 {
		r.SecurityGroupIds = d.SecurityGroupIDs
	}
	if d.KeyName != "" {
		r.KeyName = sdk.String(d.KeyName)
	}
	if d.UserData != "" {
		r.UserData = sdk.String(d.UserData)
	}
	if d.RootDevice != "" {
		r.BlockDeviceMappings = []types.LaunchTemplateBlockDeviceMappingRequest{{
			DeviceName: sdk.String(d.RootDevice),
			Ebs: &types.LaunchTemplateEbsBlockDeviceRequest{
				VolumeSize: sdk.Int32(int32(d.RootGiB)), VolumeType: types.VolumeType(d.RootType),
				Encrypted: sdk.Bool(d.Encrypted), DeleteOnTermination: sdk.Bool(true),
			},
		}}
	}
	if len(d.InstanceTags) > 0 {
		r.TagSpecifications = append(r.TagSpecifications, types.LaunchTemplateTagSpecificationRequest{ResourceType: types.ResourceTypeInstance, Tags: ec2Tags(d.InstanceTags)})
	}
	if len(d.VolumeTags) > 0 {
		r.TagSpecifications = append(r.TagSpecifications, types.LaunchTemplateTagSpecificationRequest{ResourceType: types.ResourceTypeVolume, Tags: ec2Tags(d.VolumeTags)})
	}
	return r
}

func templateDataOf(r *types.ResponseLaunchTemplateData) TemplateData {
	if r == nil {
		return TemplateData{}
	}
	d := TemplateData{ImageID: sdk.ToString(r.ImageId), InstanceType: string(r.InstanceType), KeyName: sdk.ToString(r.KeyName),
		UserData: sdk.ToString(r.UserData), SecurityGroupIDs: r.SecurityGroupIds}
	if r.IamInstanceProfile != nil {
		d.ProfileARN = sdk.ToString(r.IamInstanceProfile.Arn)
	}
	if r.MetadataOptions != nil {
		d.HTTPTokens = string(r.MetadataOptions.HttpTokens)
		d.HopLimit = int(sdk.ToInt32(r.MetadataOptions.HttpPutResponseHopLimit))
	}
	if len(r.BlockDeviceMappings) > 0 {
		b := r.BlockDeviceMappings[0]
		d.RootDevice = sdk.ToString(b.DeviceName)
		if b.Ebs != nil {
			d.RootGiB, d.RootType, d.Encrypted = int(sdk.ToInt32(b.Ebs.VolumeSize)), string(b.Ebs.VolumeType), sdk.ToBool(b.Ebs.Encrypted)
		}
	}
	for _, ts := range r.TagSpecifications {
		switch ts.ResourceType {
		case types.ResourceTypeInstance:
			d.InstanceTags = tagMap(ts.Tags)
		case types.ResourceTypeVolume:
			d.VolumeTags = tagMap(ts.Tags)
		}
	}
	return d
}

// CreateLaunchTemplate creates a template with data as its version 1,
// tagged. token makes a retried request answer the first one.
func (c *Compute) CreateLaunchTemplate(ctx context.Context, name, token string, data TemplateData, tags map[string]string) (LaunchTemplate, error) {
	in := &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: sdk.String(name), LaunchTemplateData: data.request(),
		VersionDescription: sdk.String("stackwiz"),
		TagSpecifications:  []types.TagSpecification{{ResourceType: types.ResourceTypeLaunchTemplate, Tags: ec2Tags(tags)}},
	}
	if token != "" {
		in.ClientToken = sdk.String(token)
	}
	out, err := c.api.CreateLaunchTemplate(ctx, in)
	if err != nil {
		return LaunchTemplate{}, fmt.Errorf("create launch template %s: %w", name, err)
	}
	return launchTemplateOf(out.LaunchTemplate), nil
}

// LaunchTemplate describes a template by id, or by name when id is empty;
// ok is false when it does not exist.
func (c *Compute) LaunchTemplate(ctx context.Context, id, name string) (LaunchTemplate, bool, error) {
	in := &ec2.DescribeLaunchTemplatesInput{}
	if id != "" {
		in.LaunchTemplateIds = []string{id}
	} else {
		in.LaunchTemplateNames = []string{name}
	}
	out, err := c.api.DescribeLaunchTemplates(ctx, in)
	if err != nil {
		if IsNotFound(err) {
			return LaunchTemplate{}, false, nil
		}
		return LaunchTemplate{}, false, fmt.Errorf("describe launch template %s: %w", firstNonEmpty(id, name), err)
	}
	if len(out.LaunchTemplates) == 0 {
		return LaunchTemplate{}, false, nil
	}
	return launchTemplateOf(&out.LaunchTemplates[0]), true, nil
}

// LaunchTemplatesTagged lists the templates tagged key=value.
func (c *Compute) LaunchTemplatesTagged(ctx context.Context, key, value string) ([]LaunchTemplate, error) {
	in := &ec2.DescribeLaunchTemplatesInput{Filters: []types.Filter{{Name: sdk.String("tag:" + key), Values: []string{value}}}}
	var out []LaunchTemplate
	p := ec2.NewDescribeLaunchTemplatesPaginator(c.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe launch templates: %w", err)
		}
		for i := range page.LaunchTemplates {
			out = append(out, launchTemplateOf(&page.LaunchTemplates[i]))
		}
	}
	return out, nil
}

// TemplateVersion returns the data of one version of a template
// ("$Default", "$Latest" or a number) and that version's number.
func (c *Compute) TemplateVersion(ctx context.Context, id, version string) (TemplateData, int64, error) {
	out, err := c.api.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateId: sdk.String(id), Versions: []string{version},
	})
	if err != nil {
		return TemplateData{}, 0, fmt.Errorf("describe launch template %s version %s: %w", id, version, err)
	}
	if len(out.LaunchTemplateVersions) == 0 {
		return TemplateData{}, 0, fmt.Errorf("describe launch template %s version %s: EC2 returned no version", id, version)
	}
	v := out.LaunchTemplateVersions[0]
	return templateDataOf(v.LaunchTemplateData), sdk.ToInt64(v.VersionNumber), nil
}

// CreateTemplateVersion adds a version holding all of data (no source
// version: nothing is inherited) and returns its number. token makes a
// retried request answer the first one.
func (c *Compute) CreateTemplateVersion(ctx context.Context, id, token, description string, data TemplateData) (int64, error) {
	in := &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: sdk.String(id), LaunchTemplateData: data.request(), VersionDescription: sdk.String(description),
	}
	if token != "" {
		in.ClientToken = sdk.String(token)
	}
	out, err := c.api.CreateLaunchTemplateVersion(ctx, in)
	if err != nil {
		return 0, fmt.Errorf("create launch template %s version: %w", id, err)
	}
	if out.LaunchTemplateVersion == nil {
		return 0, fmt.Errorf("create launch template %s version: EC2 returned no version", id)
	}
	return sdk.ToInt64(out.LaunchTemplateVersion.VersionNumber), nil
}

// SetDefaultVersion makes version the one launches use when they ask for
// $Default (Auto Scaling groups that name the template's default).
func (c *Compute) SetDefaultVersion(ctx context.Context, id string, version int64) error {
	_, err := c.api.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{
		LaunchTemplateId: sdk.String(id), DefaultVersion: sdk.String(strconv.FormatInt(version, 10)),
	})
	if err != nil {
		return fmt.Errorf("set launch template %s default version %d: %w", id, version, err)
	}
	return nil
}

// DeleteLaunchTemplate deletes a template and all its versions. Not found
// is success.
func (c *Compute) DeleteLaunchTemplate(ctx context.Context, id string) error {
	_, err := c.api.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: sdk.String(id)})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete launch template %s: %w", id, err)
	}
	return nil
}

func launchTemplateOf(lt *types.LaunchTemplate) LaunchTemplate {
	if lt == nil {
		return LaunchTemplate{}
	}
	return LaunchTemplate{
		ID: sdk.ToString(lt.LaunchTemplateId), Name: sdk.ToString(lt.LaunchTemplateName),
		DefaultVersion: sdk.ToInt64(lt.DefaultVersionNumber), LatestVersion: sdk.ToInt64(lt.LatestVersionNumber),
		Tags: tagMap(lt.Tags),
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
