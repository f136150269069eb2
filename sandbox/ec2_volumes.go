package sandbox

import (
	"slices"
	"strconv"
)

// The sandbox models one EBS volume per instance, its root volume, created
// with it and deleted when it terminates (DeleteOnTermination).
// DescribeVolumes shows them, so a test can check what a launch asked for:
// the size, the type, and whether it is encrypted.

type volumeXML struct {
	VolumeID    string `xml:"volumeId"`
	Size        int    `xml:"size"`
	SnapshotID  string `xml:"snapshotId"`
	AZ          string `xml:"availabilityZone"`
	Status      string `xml:"status"`
	CreateTime  string `xml:"createTime"`
	Attachments []struct {
		VolumeID            string `xml:"volumeId"`
		InstanceID          string `xml:"instanceId"`
		Device              string `xml:"device"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"attachmentSet>item"`
	VolumeType string `xml:"volumeType"`
	Encrypted  bool   `xml:"encrypted"`
}

// rootVolumes indexes the root volumes of instances that still have one
// (not terminated) by volume id.
func rootVolumes(r *Region) map[string]*Instance {
	out := map[string]*Instance{}
	for _, in := range r.EC2.Compute.Instances {
		if in.VolumeID != "" && in.State != stateTerminated {
			out[in.VolumeID] = in
		}
	}
	return out
}

func describeVolumes(c *call) (any, error) {
	vols := rootVolumes(c.r)
	list, next, err := describe(c, vols, "VolumeId", func(in *Instance) []Tag { return nil }, func(in *Instance) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "volume-id", "attachment.volume-id":
				return []string{in.VolumeID}, true
			case "attachment.instance-id":
				return []string{in.ID}, true
			case "attachment.device":
				return []string{in.RootDevice}, true
			case "encrypted":
				return []string{boolStr(in.Encrypted)}, true
			case "volume-type":
				return []string{in.VolumeType}, true
			case "size":
				return []string{strconv.Itoa(in.VolumeSizeGiB)}, true
			case "availability-zone":
				return []string{in.AZ}, true
			case "status":
				return []string{"in-use"}, true
			}
			return nil, false
		}
	}, 5)
	if err != nil {
		return nil, err
	}
	out := struct {
		Volumes   []volumeXML `xml:"volumeSet>item"`
		NextToken string      `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, in := range list {
		v := volumeXML{VolumeID: in.VolumeID, Size: in.VolumeSizeGiB, AZ: in.AZ, Status: "in-use",
			CreateTime: xmlTime(in.LaunchTime), VolumeType: in.VolumeType, Encrypted: in.Encrypted}
		if im := c.r.EC2.Compute.Images[in.ImageID]; im != nil {
			v.SnapshotID = im.SnapshotID
		}
		v.Attachments = slices.Grow(v.Attachments, 1)[:1]
		a := &v.Attachments[0]
		a.VolumeID, a.InstanceID, a.Device, a.Status, a.AttachTime, a.DeleteOnTermination =
			in.VolumeID, in.ID, in.RootDevice, "attached", xmlTime(in.LaunchTime), true
		out.Volumes = append(out.Volumes, v)
	}
	return out, nil
}
