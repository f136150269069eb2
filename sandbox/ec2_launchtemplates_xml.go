package sandbox

import "strings"

// This file holds the XML shapes of launch templates and their versions.

// createdBy is the principal the sandbox reports as creator.
const createdBy = "arn:aws:iam::" + AccountID + ":user/sandbox"

type launchTemplateXML struct {
	CreateTime     string   `xml:"createTime"`
	CreatedBy      string   `xml:"createdBy"`
	DefaultVersion int      `xml:"defaultVersionNumber"`
	LatestVersion  int      `xml:"latestVersionNumber"`
	ID             string   `xml:"launchTemplateId"`
	Name           string   `xml:"launchTemplateName"`
	Tags           []xmlTag `xml:"tagSet>item"`
}

func launchTemplateXMLOf(lt *LaunchTemplate) launchTemplateXML {
	return launchTemplateXML{
		CreateTime: xmlTime(lt.CreateTime), CreatedBy: createdBy, DefaultVersion: lt.DefaultVersion,
		LatestVersion: lt.LatestVersion, ID: lt.ID, Name: lt.Name, Tags: xmlTags(lt.Tags),
	}
}

func launchTemplateResult(lt *LaunchTemplate) any {
	return struct {
		Template launchTemplateXML `xml:"launchTemplate"`
	}{launchTemplateXMLOf(lt)}
}

type ltTagSpecXML struct {
	ResourceType string   `xml:"resourceType"`
	Tags         []xmlTag `xml:"tagSet>item"`
}

type ltBDMXML struct {
	DeviceName string `xml:"deviceName,omitempty"`
	Ebs        struct {
		VolumeSize          int    `xml:"volumeSize,omitempty"`
		VolumeType          string `xml:"volumeType,omitempty"`
		Encrypted           *bool  `xml:"encrypted,omitempty"`
		DeleteOnTermination *bool  `xml:"deleteOnTermination,omitempty"`
	} `xml:"ebs"`
}

type ltDataXML struct {
	ImageID          string   `xml:"imageId,omitempty"`
	InstanceType     string   `xml:"instanceType,omitempty"`
	KeyName          string   `xml:"keyName,omitempty"`
	SecurityGroupIDs []string `xml:"securityGroupIdSet>item"`
	IAMProfile       *struct {
		Arn  string `xml:"arn,omitempty"`
		Name string `xml:"name,omitempty"`
	} `xml:"iamInstanceProfile,omitempty"`
	UserData        string `xml:"userData,omitempty"`
	MetadataOptions *struct {
		State        string `xml:"state"`
		HTTPTokens   string `xml:"httpTokens,omitempty"`
		HTTPEndpoint string `xml:"httpEndpoint,omitempty"`
		HopLimit     int    `xml:"httpPutResponseHopLimit,omitempty"`
	} `xml:"metadataOptions,omitempty"`
	BlockDevices []ltBDMXML     `xml:"blockDeviceMappingSet>item"`
	TagSpecs     []ltTagSpecXML `xml:"tagSpecificationSet>item"`
}

type launchTemplateVersionXML struct {
	CreateTime     string    `xml:"createTime"`
	CreatedBy      string    `xml:"createdBy"`
	DefaultVersion bool      `xml:"defaultVersion"`
	Data           ltDataXML `xml:"launchTemplateData"`
	ID             string    `xml:"launchTemplateId"`
	Name           string    `xml:"launchTemplateName"`
	Description    string    `xml:"versionDescription,omitempty"`
	Number         int       `xml:"versionNumber"`
}

// launchTemplateVersionXMLOf renders a version; with resolve, an image given
// as resolve:ssm:NAME shows the AMI that parameter names now.
func launchTemplateVersionXMLOf(r *Region, lt *LaunchTemplate, v *LaunchTemplateVersion, resolve bool) launchTemplateVersionXML {
	d := ltDataXML{
		ImageID: v.ImageID, InstanceType: v.InstanceType, KeyName: v.KeyName,
		SecurityGroupIDs: v.SecurityGroupIDs, UserData: v.UserData,
	}
	if name, ok := strings.CutPrefix(v.ImageID, "resolve:ssm:"); ok && resolve {
		if id, found := r.publicParameter(name); found {
			d.ImageID = id
		}
	}
	if v.IAMProfileArn != "" || v.IAMProfileName != "" {
		d.IAMProfile = &struct {
			Arn  string `xml:"arn,omitempty"`
			Name string `xml:"name,omitempty"`
		}{v.IAMProfileArn, v.IAMProfileName}
	}
	if v.HTTPTokens != "" || v.HTTPEndpoint != "" || v.HTTPHopLimit != 0 {
		d.MetadataOptions = &struct {
			State        string `xml:"state"`
			HTTPTokens   string `xml:"httpTokens,omitempty"`
			HTTPEndpoint string `xml:"httpEndpoint,omitempty"`
			HopLimit     int    `xml:"httpPutResponseHopLimit,omitempty"`
		}{"pending", v.HTTPTokens, v.HTTPEndpoint, v.HTTPHopLimit}
	}
	if v.DeviceName != "" || v.VolumeSizeGiB != 0 || v.VolumeType != "" || v.Encrypted {
		var b ltBDMXML
		b.DeviceName, b.Ebs.VolumeSize, b.Ebs.VolumeType, b.Ebs.DeleteOnTermination = v.DeviceName, v.VolumeSizeGiB, v.VolumeType, v.DeleteOnTermination
		if v.Encrypted {
			enc := true
			b.Ebs.Encrypted = &enc
		}
		d.BlockDevices = []ltBDMXML{b}
	}
	if len(v.InstanceTags) > 0 {
		d.TagSpecs = append(d.TagSpecs, ltTagSpecXML{"instance", xmlTags(v.InstanceTags)})
	}
	if len(v.VolumeTags) > 0 {
		d.TagSpecs = append(d.TagSpecs, ltTagSpecXML{"volume", xmlTags(v.VolumeTags)})
	}
	return launchTemplateVersionXML{
		CreateTime: xmlTime(v.CreateTime), CreatedBy: createdBy, DefaultVersion: v.Number == lt.DefaultVersion,
		Data: d, ID: lt.ID, Name: lt.Name, Description: v.Description, Number: v.Number,
	}
}
