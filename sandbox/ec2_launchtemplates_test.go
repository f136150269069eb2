package sandbox

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

var userData = base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\nsystemctl start app\n"))

// webTemplateData is what stackwiz puts in its launch template.
func webTemplateData(sg string) *types.RequestLaunchTemplateData {
	return &types.RequestLaunchTemplateData{
		ImageId:          aws.String(al2023x86),
		InstanceType:     types.InstanceTypeT3Micro,
		SecurityGroupIds: []string{sg},
		UserData:         aws.String(userData),
		MetadataOptions:  &types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: types.LaunchTemplateHttpTokensStateRequired},
		BlockDeviceMappings: []types.LaunchTemplateBlockDeviceMappingRequest{{
			DeviceName: aws.String("/dev/xvda"),
			Ebs:        &types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(16), VolumeType: types.VolumeTypeGp3, Encrypted: aws.Bool(true)},
		}},
		TagSpecifications: []types.LaunchTemplateTagSpecificationRequest{{
			ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}},
		}},
	}
}

func TestCreateLaunchTemplateStoresItsDataAsVersionOne(t *testing.T) {
	f := newComputeFixture(t)
	vpc, sn := f.publicVpc()
	sg := f.group(vpc, "app")
	out := must[*ec2.CreateLaunchTemplateOutput](t)(f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("qvic-web"), VersionDescription: aws.String("first"), LaunchTemplateData: webTemplateData(sg),
		TagSpecifications: tagSpec(types.ResourceTypeLaunchTemplate, "stackwiz:stack", "qvic"),
	})).LaunchTemplate
	id := aws.ToString(out.LaunchTemplateId)
	if !validID(id, "lt") || aws.ToInt64(out.DefaultVersionNumber) != 1 || aws.ToInt64(out.LatestVersionNumber) != 1 || tagValue(out.Tags, "stackwiz:stack") != "qvic" {
		t.Fatalf("template = %+v", out)
	}
	v := must[*ec2.DescribeLaunchTemplateVersionsOutput](t)(f.ec2.DescribeLaunchTemplateVersions(testCtx(t), &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateId: aws.String(id), Versions: []string{"$Default"},
	})).LaunchTemplateVersions
	if len(v) != 1 {
		t.Fatalf("%d versions", len(v))
	}
	d := v[0].LaunchTemplateData
	switch {
	case aws.ToString(d.ImageId) != al2023x86, d.InstanceType != types.InstanceTypeT3Micro, len(d.SecurityGroupIds) != 1 || d.SecurityGroupIds[0] != sg,
		aws.ToString(d.UserData) != userData, d.MetadataOptions == nil || d.MetadataOptions.HttpTokens != types.LaunchTemplateHttpTokensStateRequired,
		len(d.BlockDeviceMappings) != 1 || aws.ToInt32(d.BlockDeviceMappings[0].Ebs.VolumeSize) != 16 || !aws.ToBool(d.BlockDeviceMappings[0].Ebs.Encrypted) || d.BlockDeviceMappings[0].Ebs.VolumeType != types.VolumeTypeGp3,
		len(d.TagSpecifications) != 1 || tagValue(d.TagSpecifications[0].Tags, "Name") != "web",
		!aws.ToBool(v[0].DefaultVersion), aws.ToString(v[0].VersionDescription) != "first":
		t.Fatalf("version 1 = %+v, data %+v", v[0], d)
	}

	// An instance launched from it carries the template's settings.
	in := f.run(1, func(in *ec2.RunInstancesInput) {
		in.ImageId, in.InstanceType = nil, ""
		in.SubnetId = aws.String(sn)
		in.LaunchTemplate = &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("qvic-web"), Version: aws.String("$Latest")}
	}).Instances[0]
	if aws.ToString(in.ImageId) != al2023x86 || in.InstanceType != types.InstanceTypeT3Micro || aws.ToString(in.SecurityGroups[0].GroupId) != sg ||
		in.MetadataOptions.HttpTokens != types.HttpTokensStateRequired || tagValue(in.Tags, "Name") != "web" ||
		tagValue(in.Tags, "aws:ec2launchtemplate:id") != id || tagValue(in.Tags, "aws:ec2launchtemplate:version") != "1" {
		t.Fatalf("instance from the template = %+v", in)
	}
}

func TestCreateLaunchTemplateNamesAndClientTokens(t *testing.T) {
	f := newComputeFixture(t)
	create := func(name, token string) (*ec2.CreateLaunchTemplateOutput, error) {
		in := &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String(al2023x86)}}
		if token != "" {
			in.ClientToken = aws.String(token)
		}
		return f.ec2.CreateLaunchTemplate(testCtx(t), in)
	}
	first := must[*ec2.CreateLaunchTemplateOutput](t)(create("web", "tok-1"))
	again := must[*ec2.CreateLaunchTemplateOutput](t)(create("web", "tok-1"))
	if aws.ToString(first.LaunchTemplate.LaunchTemplateId) != aws.ToString(again.LaunchTemplate.LaunchTemplateId) {
		t.Fatalf("a retry with the same token created %s after %s", aws.ToString(again.LaunchTemplate.LaunchTemplateId), aws.ToString(first.LaunchTemplate.LaunchTemplateId))
	}
	_, err := create("web", "")
	wantCode(t, err, "InvalidLaunchTemplateName.AlreadyExistsException")
	_, err = create("other", "tok-1")
	wantCode(t, err, "IdempotentParameterMismatch")
	_, err = create("no spaces allowed", "")
	wantCode(t, err, "InvalidLaunchTemplateName.MalformedException")
	_, err = f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("typo"), LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: "t3.mega"}})
	wantCode(t, err, "InvalidParameterValue")
}

func TestLaunchTemplateVersionsInheritFromTheirSource(t *testing.T) {
	f := newComputeFixture(t)
	vpc, sn := f.publicVpc()
	sg := f.group(vpc, "app")
	lt := aws.ToString(must[*ec2.CreateLaunchTemplateOutput](t)(f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("web"), LaunchTemplateData: webTemplateData(sg),
	})).LaunchTemplate.LaunchTemplateId)
	v2 := must[*ec2.CreateLaunchTemplateVersionOutput](t)(f.ec2.CreateLaunchTemplateVersion(testCtx(t), &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: aws.String(lt), SourceVersion: aws.String("1"), VersionDescription: aws.String("bigger"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Small},
	})).LaunchTemplateVersion
	if aws.ToInt64(v2.VersionNumber) != 2 || aws.ToBool(v2.DefaultVersion) {
		t.Fatalf("version 2 = number %d, default %v", aws.ToInt64(v2.VersionNumber), aws.ToBool(v2.DefaultVersion))
	}
	d := v2.LaunchTemplateData
	if d.InstanceType != types.InstanceTypeT3Small || aws.ToString(d.ImageId) != al2023x86 || aws.ToString(d.UserData) != userData || len(d.SecurityGroupIds) != 1 {
		t.Fatalf("version 2 data = %+v, want t3.small with the rest of version 1", d)
	}
	bare := must[*ec2.CreateLaunchTemplateVersionOutput](t)(f.ec2.CreateLaunchTemplateVersion(testCtx(t), &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateName: aws.String("web"), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String(al2023arm), InstanceType: types.InstanceTypeT4gSmall},
	})).LaunchTemplateVersion.LaunchTemplateData
	if bare.UserData != nil || len(bare.SecurityGroupIds) != 0 {
		t.Fatalf("a version without SourceVersion inherited %+v", bare)
	}

	versions := func(asked ...string) []int64 {
		t.Helper()
		out := must[*ec2.DescribeLaunchTemplateVersionsOutput](t)(f.ec2.DescribeLaunchTemplateVersions(testCtx(t), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(lt), Versions: asked}))
		var n []int64
		for _, v := range out.LaunchTemplateVersions {
			n = append(n, aws.ToInt64(v.VersionNumber))
		}
		return n
	}
	cases := []struct {
		asked []string
		want  []int64
	}{
		{nil, []int64{1, 2, 3}},
		{[]string{"$Latest"}, []int64{3}},
		{[]string{"$Default"}, []int64{1}},
		{[]string{"2", "$Latest"}, []int64{2, 3}},
	}
	for _, tc := range cases {
		if got := versions(tc.asked...); !equalInts(got, tc.want) {
			t.Errorf("versions %v = %v, want %v", tc.asked, got, tc.want)
		}
	}
	_, err := f.ec2.DescribeLaunchTemplateVersions(testCtx(t), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(lt), Versions: []string{"9"}})
	wantCode(t, err, "InvalidLaunchTemplateId.VersionNotFound")

	mod := must[*ec2.ModifyLaunchTemplateOutput](t)(f.ec2.ModifyLaunchTemplate(testCtx(t), &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(lt), DefaultVersion: aws.String("2")}))
	if aws.ToInt64(mod.LaunchTemplate.DefaultVersionNumber) != 2 || !equalInts(versions("$Default"), []int64{2}) {
		t.Fatalf("default after ModifyLaunchTemplate = %d", aws.ToInt64(mod.LaunchTemplate.DefaultVersionNumber))
	}
	in := f.run(1, func(in *ec2.RunInstancesInput) {
		in.ImageId, in.InstanceType = nil, ""
		in.LaunchTemplate = &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(lt)}
		in.SubnetId = aws.String(sn)
	}).Instances[0]
	if in.InstanceType != types.InstanceTypeT3Small {
		t.Fatalf("launch with the default version = %v, want t3.small", in.InstanceType)
	}
	// Without a template, $Latest covers every template.
	all := must[*ec2.DescribeLaunchTemplateVersionsOutput](t)(f.ec2.DescribeLaunchTemplateVersions(testCtx(t), &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{"$Latest"}}))
	if len(all.LaunchTemplateVersions) != 1 || aws.ToInt64(all.LaunchTemplateVersions[0].VersionNumber) != 3 {
		t.Fatalf("$Latest of all templates = %+v", all.LaunchTemplateVersions)
	}
}

func TestDescribeAndDeleteLaunchTemplates(t *testing.T) {
	f := newComputeFixture(t)
	for _, name := range []string{"a-web", "b-web", "c-batch"} {
		must[*ec2.CreateLaunchTemplateOutput](t)(f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{
			LaunchTemplateName: aws.String(name), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String(al2023x86)},
			TagSpecifications: tagSpec(types.ResourceTypeLaunchTemplate, "tier", name[2:]),
		}))
	}
	byName := must[*ec2.DescribeLaunchTemplatesOutput](t)(f.ec2.DescribeLaunchTemplates(testCtx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"b-web"}}))
	if len(byName.LaunchTemplates) != 1 || aws.ToString(byName.LaunchTemplates[0].LaunchTemplateName) != "b-web" {
		t.Fatalf("by name = %+v", byName.LaunchTemplates)
	}
	web := must[*ec2.DescribeLaunchTemplatesOutput](t)(f.ec2.DescribeLaunchTemplates(testCtx(t), &ec2.DescribeLaunchTemplatesInput{Filters: []types.Filter{filter("tag:tier", "web")}}))
	if len(web.LaunchTemplates) != 2 {
		t.Fatalf("tag filter = %d templates", len(web.LaunchTemplates))
	}
	pages := 0
	p := ec2.NewDescribeLaunchTemplatesPaginator(f.ec2, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		must[*ec2.DescribeLaunchTemplatesOutput](t)(p.NextPage(testCtx(t)))
		pages++
	}
	if pages != 2 {
		t.Fatalf("3 templates at 2 a page took %d pages", pages)
	}
	_, err := f.ec2.DescribeLaunchTemplates(testCtx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nope"}})
	wantCode(t, err, "InvalidLaunchTemplateName.NotFoundException")
	_, err = f.ec2.DescribeLaunchTemplates(testCtx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-0123456789abcdef0"}})
	wantCode(t, err, "InvalidLaunchTemplateId.NotFound")

	del := must[*ec2.DeleteLaunchTemplateOutput](t)(f.ec2.DeleteLaunchTemplate(testCtx(t), &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String("b-web")}))
	if aws.ToString(del.LaunchTemplate.LaunchTemplateName) != "b-web" {
		t.Fatalf("deleted = %+v", del.LaunchTemplate)
	}
	_, err = f.ec2.DeleteLaunchTemplate(testCtx(t), &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String("b-web")})
	wantCode(t, err, "InvalidLaunchTemplateName.NotFoundException")
	_, err = f.ec2.RunInstances(testCtx(t), &ec2.RunInstancesInput{
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: types.InstanceTypeT3Micro,
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("b-web")},
	})
	wantCode(t, err, "InvalidLaunchTemplateName.NotFoundException")
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
