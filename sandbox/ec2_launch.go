package sandbox

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// launchSpec is what one instance launch asks for, whether it comes from
// RunInstances parameters, a launch template, or both (explicit parameters
// override the template's).
type launchSpec struct {
	ImageID        string
	InstanceType   string
	SubnetID       string
	SecurityGroups []string
	ProfileName    string
	ProfileArn     string
	KeyName        string
	UserData       string
	HTTPTokens     string
	VolumeSizeGiB  int
	VolumeType     string
	Encrypted      bool
	Tags           []Tag // instance tags
	ENITags        []Tag // network-interface tags
	TemplateID     string
	TemplateVer    string
	ClientToken    string

	// Filled by resolveLaunch.
	image     *Image
	subnet    *Subnet
	profileID string
}

// specFromTemplate is the launch a template version describes.
func specFromTemplate(lt *LaunchTemplate, v *LaunchTemplateVersion) launchSpec {
	return launchSpec{
		ImageID:        v.ImageID,
		InstanceType:   v.InstanceType,
		SecurityGroups: append([]string(nil), v.SecurityGroupIDs...),
		ProfileName:    v.IAMProfileName,
		ProfileArn:     v.IAMProfileArn,
		KeyName:        v.KeyName,
		UserData:       v.UserData,
		HTTPTokens:     v.HTTPTokens,
		VolumeSizeGiB:  v.VolumeSizeGiB,
		VolumeType:     v.VolumeType,
		Encrypted:      v.Encrypted,
		Tags:           append([]Tag(nil), v.InstanceTags...),
		TemplateID:     lt.ID,
		TemplateVer:    strconv.Itoa(v.Number),
	}
}

// resolveLaunch validates a launch the way EC2 does and fills in the
// defaults: the default VPC's subnet, the VPC's default security group, the
// image's root volume and IMDS settings. The instance profile must be
// usable now: inside IAM's propagation window EC2 rejects it as invalid.
func (r *Region) resolveLaunch(now time.Time, d durations, spec *launchSpec) *APIError {
	if spec.InstanceType == "" {
		return errMissing("InstanceType")
	}
	if instanceTypeInfo(spec.InstanceType) == nil {
		return errBadRequest("InvalidParameterValue", "Invalid value '%s' for InstanceType.", spec.InstanceType)
	}
	if err := r.resolveImage(spec); err != nil {
		return err
	}
	if arch := instanceTypeInfo(spec.InstanceType).Arch; arch != spec.image.Architecture {
		return errBadRequest("InvalidParameterValue", "The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.", arch, spec.image.Architecture)
	}
	if err := r.resolveSubnet(spec); err != nil {
		return err
	}
	if err := r.resolveGroups(spec); err != nil {
		return err
	}
	if spec.KeyName != "" && r.EC2.Network.KeyPairs[spec.KeyName] == nil {
		return errBadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", spec.KeyName)
	}
	if err := r.resolveProfile(now, d, spec); err != nil {
		return err
	}
	if spec.UserData != "" {
		raw, err := base64.StdEncoding.DecodeString(spec.UserData)
		if err != nil {
			return errBadRequest("InvalidParameterValue", "Invalid BASE64 encoding of user data.")
		}
		if len(raw) > 16384 {
			return errBadRequest("InvalidParameterValue", "User data is limited to 16384 bytes")
		}
	}
	return resolveVolume(spec)
}

func (r *Region) resolveImage(spec *launchSpec) *APIError {
	if spec.ImageID == "" {
		return errMissing("ImageId")
	}
	if name, ok := strings.CutPrefix(spec.ImageID, "resolve:ssm:"); ok {
		id, found := r.publicParameter(name)
		if !found {
			return errBadRequest("InvalidParameterValue", "Unable to resolve the SSM parameter %s for ImageId: the parameter does not exist.", name)
		}
		spec.ImageID = id
	}
	if !strings.HasPrefix(spec.ImageID, "ami-") {
		return errBadRequest("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", spec.ImageID)
	}
	im := r.EC2.Compute.Images[spec.ImageID]
	if im == nil {
		return errNoID(spec.ImageID)
	}
	if im.State != imageAvailable {
		return errBadRequest("InvalidAMIID.Unavailable", "AMI '%s' is %s, and cannot be run", im.ID, im.State)
	}
	spec.image = im
	return nil
}

func (r *Region) resolveSubnet(spec *launchSpec) *APIError {
	if spec.SubnetID == "" {
		vpc := r.defaultVpc()
		if vpc == nil {
			return errBadRequest("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
		}
		for _, sn := range r.EC2.Network.Subnets {
			if sn.VpcID == vpc.ID && sn.IsDefault && (spec.subnet == nil || sn.AZ < spec.subnet.AZ) {
				spec.subnet = sn
			}
		}
		if spec.subnet == nil {
			return errBadRequest("MissingInput", "No subnets found for the default VPC '%s'. Please specify a subnet.", vpc.ID)
		}
		spec.SubnetID = spec.subnet.ID
		return nil
	}
	spec.subnet = r.subnet(spec.SubnetID)
	if spec.subnet == nil {
		return errBadRequest("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", spec.SubnetID)
	}
	return nil
}

func (r *Region) resolveGroups(spec *launchSpec) *APIError {
	vpcID := spec.subnet.VpcID
	if len(spec.SecurityGroups) == 0 {
		for _, sg := range r.EC2.Network.SecurityGroups {
			if sg.VpcID == vpcID && sg.IsDefault {
				spec.SecurityGroups = []string{sg.ID}
			}
		}
		return nil
	}
	for _, id := range spec.SecurityGroups {
		sg := r.securityGroup(id)
		if sg == nil {
			return errBadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, vpcID)
		}
		if sg.VpcID != vpcID {
			return errBadRequest("InvalidParameter", "Security group %s and subnet %s belong to different networks.", id, spec.SubnetID)
		}
	}
	return nil
}

// resolveProfile checks the instance profile with IAM. A profile that does
// not exist and one IAM has not yet propagated get the same answer from
// EC2, which is why callers must retry this error for a while.
func (r *Region) resolveProfile(now time.Time, d durations, spec *launchSpec) *APIError {
	if spec.ProfileName == "" && spec.ProfileArn == "" {
		return nil
	}
	ref, param, what := spec.ProfileName, "iamInstanceProfile.name", "name"
	if spec.ProfileArn != "" {
		ref, param, what = spec.ProfileArn, "iamInstanceProfile.arn", "ARN"
	}
	arn, exists, ok := r.w.IAM.profileUsable(ref, now, d)
	if !exists || !ok {
		return errBadRequest("InvalidParameterValue", "Value (%s) for parameter %s is invalid. Invalid IAM Instance Profile %s", ref, param, what)
	}
	spec.ProfileArn = arn
	if p := r.w.IAM.profile(ref); p != nil {
		spec.profileID = p.ID
	}
	return nil
}

// isVolumeType reports whether t is an EBS volume type a root volume may have.
func isVolumeType(t string) bool {
	switch t {
	case "gp2", "gp3", "io1", "io2", "st1", "sc1", "standard":
		return true
	}
	return false
}

func resolveVolume(spec *launchSpec) *APIError {
	im := spec.image
	if spec.VolumeSizeGiB == 0 {
		spec.VolumeSizeGiB = im.VolumeSizeGiB
	}
	if spec.VolumeSizeGiB < im.VolumeSizeGiB {
		return errBadRequest("InvalidBlockDeviceMapping", "Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", spec.VolumeSizeGiB, im.SnapshotID, im.VolumeSizeGiB)
	}
	if spec.VolumeSizeGiB > 16384 {
		return errBadRequest("InvalidParameterValue", "Volume of %dGiB is too large; the maximum is 16384GiB.", spec.VolumeSizeGiB)
	}
	if spec.VolumeType == "" {
		spec.VolumeType = im.VolumeType
	}
	if !isVolumeType(spec.VolumeType) {
		return errBadRequest("InvalidParameterValue", "Value (%s) for parameter volumeType is invalid. Valid types: gp2, gp3, io1, io2, st1, sc1, standard", spec.VolumeType)
	}
	spec.Encrypted = spec.Encrypted || im.Encrypted
	switch spec.HTTPTokens {
	case "":
		spec.HTTPTokens = "optional"
		if im.IMDSv2Only {
			spec.HTTPTokens = "required"
		}
	case "required", "optional":
	default:
		return errBadRequest("InvalidParameterValue", "Value (%s) for parameter httpTokens is invalid. Valid values: required, optional", spec.HTTPTokens)
	}
	return nil
}

// startInstance creates one pending instance from a resolved spec: its
// primary network interface with a private IP from the subnet, and a public
// IP when the subnet maps one on launch.
func (r *Region) startInstance(now time.Time, d durations, spec *launchSpec, reservationID string, index int) (*Instance, *APIError) {
	id := r.w.newID("i")
	eni, err := r.createENI(spec.SubnetID, spec.SecurityGroups, id, "interface", "")
	if err != nil {
		return nil, err
	}
	eni.Tags = append(eni.Tags, spec.ENITags...)
	in := &Instance{
		ID:                    id,
		ReservationID:         reservationID,
		LaunchIndex:           index,
		ImageID:               spec.image.ID,
		InstanceType:          spec.InstanceType,
		Architecture:          spec.image.Architecture,
		SubnetID:              spec.SubnetID,
		VpcID:                 spec.subnet.VpcID,
		AZ:                    spec.subnet.AZ,
		PrivateIP:             eni.PrivateIP,
		ENIID:                 eni.ID,
		SecurityGroups:        append([]string(nil), spec.SecurityGroups...),
		IAMInstanceProfileArn: spec.ProfileArn,
		IAMInstanceProfileID:  spec.profileID,
		KeyName:               spec.KeyName,
		UserData:              spec.UserData,
		HTTPTokens:            spec.HTTPTokens,
		RootDevice:            spec.image.RootDevice,
		VolumeID:              r.w.newID("vol"),
		VolumeSizeGiB:         spec.VolumeSizeGiB,
		VolumeType:            spec.VolumeType,
		Encrypted:             spec.Encrypted,
		LaunchTemplateID:      spec.TemplateID,
		LaunchTemplateVersion: spec.TemplateVer,
		State:                 statePending,
		LaunchTime:            now,
		ClientToken:           spec.ClientToken,
		Tags:                  append([]Tag(nil), spec.Tags...),
	}
	if spec.TemplateID != "" {
		// EC2 marks what a launch template started with these system tags.
		in.Tags = append(in.Tags, Tag{Key: "aws:ec2launchtemplate:id", Value: spec.TemplateID}, Tag{Key: "aws:ec2launchtemplate:version", Value: spec.TemplateVer})
	}
	if spec.subnet.MapPublicIP {
		in.PublicIP = r.allocatePublicIP()
		eni.PublicIP = in.PublicIP
	}
	r.EC2.Compute.boot(in, now, d)
	r.EC2.Compute.Instances[id] = in
	return in, nil
}

// boot puts an instance in pending, due to run after the launch delay and
// to serve its app once it has booted.
func (s *EC2Compute) boot(in *Instance, now time.Time, d durations) {
	in.State = statePending
	in.StateReason = ""
	in.RunningAt = now.Add(d.InstancePending)
	in.ReadyAt = in.RunningAt.Add(d.AppBoot)
	in.ServesApp = s.startsApp(in)
	s.wake(in.RunningAt)
}

// launchSpecFromParams reads the launch parameters of RunInstances,
// starting from its launch template when one is named.
func (r *Region) launchSpecFromParams(p params) (launchSpec, *APIError) {
	var spec launchSpec
	if p.HasStruct("LaunchTemplate") {
		ltp := p.Struct("LaunchTemplate")
		lt, err := r.findLaunchTemplate(ltp.Get("LaunchTemplateId"), ltp.Get("LaunchTemplateName"))
		if err != nil {
			return spec, err
		}
		v, err := lt.version(ltp.Get("Version"))
		if err != nil {
			return spec, err
		}
		spec = specFromTemplate(lt, v)
	}
	set := func(dst *string, key string) {
		if v := p.Get(key); v != "" {
			*dst = v
		}
	}
	set(&spec.ImageID, "ImageId")
	set(&spec.InstanceType, "InstanceType")
	set(&spec.SubnetID, "SubnetId")
	set(&spec.KeyName, "KeyName")
	set(&spec.UserData, "UserData")
	set(&spec.HTTPTokens, "MetadataOptions.HttpTokens")
	if p.HasStruct("IamInstanceProfile") {
		spec.ProfileName = p.Get("IamInstanceProfile.Name")
		spec.ProfileArn = p.Get("IamInstanceProfile.Arn")
	}
	if groups := p.List("SecurityGroupId"); len(groups) > 0 {
		spec.SecurityGroups = groups
	}
	for _, bdm := range p.Structs("BlockDeviceMapping") {
		ebs := bdm.Struct("Ebs")
		size, err := ebs.Int("VolumeSize", 0)
		if err != nil {
			return spec, errBadRequest("InvalidParameterValue", "Invalid value for VolumeSize")
		}
		if size > 0 {
			spec.VolumeSizeGiB = size
		}
		if t := ebs.Get("VolumeType"); t != "" {
			spec.VolumeType = t
		}
		spec.Encrypted = spec.Encrypted || ebs.Bool("Encrypted", false)
	}
	for _, ts := range p.Structs("TagSpecification") {
		switch rt := ts.Get("ResourceType"); rt {
		case "instance":
			spec.Tags = append(spec.Tags, ts.Tags("Tag")...)
		case "network-interface":
			spec.ENITags = append(spec.ENITags, ts.Tags("Tag")...)
		case "volume":
			// Volumes are not modelled beyond the instance's root volume.
		default:
			return spec, errBadRequest("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", rt)
		}
	}
	if err := validateTags(spec.Tags); err != nil {
		return spec, err.(*APIError)
	}
	spec.ClientToken = p.Get("ClientToken")
	return spec, nil
}
