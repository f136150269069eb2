package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Image states.
const (
	imagePending   = "pending"
	imageAvailable = "available"
)

// Owners of the public images a new account sees.
const (
	amazonOwnerID    = "137112412989"
	canonicalOwnerID = "099720109477"
)

// publicImage is one built-in AMI and the public SSM parameters that name it.
type publicImage struct {
	Name        string
	Description string
	OwnerID     string
	Arch        string
	RootDevice  string
	VolumeType  string
	Created     time.Time
	IMDSv2Only  bool
	SSMNames    []string
}

// publicImages is the catalogue of built-in images: the current and the
// previous Amazon Linux 2023 release, and Ubuntu 22.04 and 24.04 as
// Canonical publishes them (gp2 and gp3 root volumes), each for x86_64 and
// arm64. The current ones are what the SSM aliases resolve to.
func publicImages() []publicImage {
	const al = "/aws/service/ami-amazon-linux-latest/"
	const ubuntu = "/aws/service/canonical/ubuntu/server/"
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 21, 30, 0, 0, time.UTC) }
	var out []publicImage
	for _, arch := range []string{"x86_64", "arm64"} {
		out = append(out,
			publicImage{
				Name: "al2023-ami-2023.9.20261103.0-kernel-6.1-" + arch, Description: "Amazon Linux 2023 AMI 2023.9.20261103.0 " + arch + " HVM kernel-6.1",
				OwnerID: amazonOwnerID, Arch: arch, RootDevice: "/dev/xvda", VolumeType: "gp3", Created: day(2026, 11, 3), IMDSv2Only: true,
				SSMNames: []string{al + "al2023-ami-kernel-default-" + arch, al + "al2023-ami-kernel-6.1-" + arch},
			},
			publicImage{
				Name: "al2023-ami-2023.9.20261020.1-kernel-6.1-" + arch, Description: "Amazon Linux 2023 AMI 2023.9.20261020.1 " + arch + " HVM kernel-6.1",
				OwnerID: amazonOwnerID, Arch: arch, RootDevice: "/dev/xvda", VolumeType: "gp3", Created: day(2026, 10, 20), IMDSv2Only: true,
			})
	}
	for _, rel := range []struct{ version, codename, date string }{{"22.04", "jammy", "20261107"}, {"24.04", "noble", "20261110"}} {
		created, _ := time.Parse("20060102", rel.date)
		for _, arch := range []string{"amd64", "arm64"} {
			ec2Arch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[arch]
			for _, vol := range []struct{ dir, ebs, volType string }{{"hvm-ssd", "ebs-gp2", "gp2"}, {"hvm-ssd-gp3", "ebs-gp3", "gp3"}} {
				out = append(out, publicImage{
					Name:        "ubuntu/images/" + vol.dir + "/ubuntu-" + rel.codename + "-" + rel.version + "-" + arch + "-server-" + rel.date,
					Description: "Canonical, Ubuntu, " + rel.version + ", " + arch + " " + rel.codename + " image",
					OwnerID:     canonicalOwnerID, Arch: ec2Arch, RootDevice: "/dev/sda1", VolumeType: vol.volType, Created: created.Add(6 * time.Hour),
					SSMNames: []string{ubuntu + rel.version + "/stable/current/" + arch + "/hvm/" + vol.ebs + "/ami-id"},
				})
			}
		}
	}
	return out
}

// publicImageID is the id a built-in image has in a region: stable across
// restarts and different per region, as real AMI ids are.
func publicImageID(region, name string) string {
	sum := sha256.Sum256([]byte(region + "/" + name))
	return "ami-0" + hex.EncodeToString(sum[:])[:16]
}

// seedImages adds the public images of a new region. They are built in and
// so not part of the inventory.
func seedImages(r *Region) {
	for _, p := range publicImages() {
		id := publicImageID(r.Name, p.Name)
		alias := ""
		if p.OwnerID == amazonOwnerID {
			alias = "amazon"
		}
		r.EC2.Compute.Images[id] = &Image{
			ID: id, Name: p.Name, Description: p.Description, OwnerID: p.OwnerID, OwnerAlias: alias, Public: true,
			Architecture: p.Arch, State: imageAvailable, CreationDate: p.Created, AvailableAt: p.Created,
			RootDevice: p.RootDevice, SnapshotID: "snap-0" + publicImageID(r.Name, "snap/"+p.Name)[5:], VolumeSizeGiB: 8,
			VolumeType: p.VolumeType, IMDSv2Only: p.IMDSv2Only,
		}
	}
}

// validAMIName reports whether EC2 accepts name for an image.
func validAMIName(name string) bool {
	if len(name) < 3 || len(name) > 128 {
		return false
	}
	for _, ch := range name {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.ContainsRune("()[] ./-'@_", ch):
		default:
			return false
		}
	}
	return true
}

// createImage takes an image of an instance. Unless NoReboot is set, EC2
// reboots the instance first, so its app is down for a boot.
func createImage(c *call) (any, error) {
	s := c.r.EC2.Compute
	id, name := c.p.Get("InstanceId"), c.p.Get("Name")
	switch {
	case id == "":
		return nil, errMissing("InstanceId")
	case name == "":
		return nil, errMissing("Name")
	}
	in := c.r.instance(id)
	if in == nil {
		return nil, errNoID(id)
	}
	if in.State != stateRunning && in.State != stateStopped {
		return nil, errBadRequest("IncorrectInstanceState", "The instance '%s' is not in a valid state for this operation.", id)
	}
	if !validAMIName(name) {
		return nil, errBadRequest("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'")
	}
	for _, im := range s.Images {
		if im.OwnerID == AccountID && im.Name == name {
			return nil, errBadRequest("InvalidAMIName.Duplicate", "AMI name %s is already in use by AMI %s", name, im.ID)
		}
	}
	var tags, snapTags []Tag
	for _, ts := range c.p.Structs("TagSpecification") {
		switch rt := ts.Get("ResourceType"); rt {
		case "image":
			tags = append(tags, ts.Tags("Tag")...)
		case "snapshot":
			snapTags = append(snapTags, ts.Tags("Tag")...)
		default:
			return nil, errBadRequest("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", rt)
		}
	}
	if err := validateTags(append(append([]Tag(nil), tags...), snapTags...)); err != nil {
		return nil, err
	}
	imdsv2 := false
	if src := s.Images[in.ImageID]; src != nil {
		imdsv2 = src.IMDSv2Only
	}
	im := &Image{
		ID: c.w.newID("ami"), Name: name, Description: c.p.Get("Description"), OwnerID: AccountID,
		Architecture: in.Architecture, State: imagePending, CreationDate: c.now, AvailableAt: c.now.Add(c.d.ImagePending),
		SourceInstanceID: in.ID, RootDevice: in.RootDevice, SnapshotID: c.w.newID("snap"), VolumeSizeGiB: in.VolumeSizeGiB,
		VolumeType: in.VolumeType, Encrypted: in.Encrypted, IMDSv2Only: imdsv2, Tags: tags,
		// What the builder's user data installed and enabled is on the
		// image: its instances start the app at boot.
		StartsApp: in.ServesApp,
	}
	s.Images[im.ID] = im
	s.Snapshots[im.SnapshotID] = &Snapshot{
		ID: im.SnapshotID, VolumeSizeGiB: in.VolumeSizeGiB, Encrypted: in.Encrypted, StartTime: c.now, Tags: snapTags,
		Description: "Created by CreateImage(" + in.ID + ") for " + im.ID,
	}
	s.wake(im.AvailableAt)
	if in.State == stateRunning && !c.p.Bool("NoReboot", false) {
		if up := c.now.Add(c.d.AppBoot); up.After(in.ReadyAt) {
			in.ReadyAt = up
		}
	}
	return struct {
		ImageID string `xml:"imageId"`
	}{im.ID}, nil
}

// imageField gives an image's values for a DescribeImages filter.
func imageField(im *Image, name string) ([]string, bool) {
	switch name {
	case "name":
		return []string{im.Name}, true
	case "state":
		return []string{im.State}, true
	case "image-id":
		return []string{im.ID}, true
	case "architecture":
		return []string{im.Architecture}, true
	case "owner-id":
		return []string{im.OwnerID}, true
	case "owner-alias":
		return []string{im.OwnerAlias}, true
	case "is-public":
		return []string{boolStr(im.Public)}, true
	case "description":
		return []string{im.Description}, true
	case "image-type":
		return []string{"machine"}, true
	case "root-device-type":
		return []string{"ebs"}, true
	case "root-device-name":
		return []string{im.RootDevice}, true
	case "virtualization-type":
		return []string{"hvm"}, true
	case "hypervisor":
		return []string{"xen"}, true
	case "platform-details":
		return []string{"Linux/UNIX"}, true
	case "creation-date":
		return []string{xmlTime(im.CreationDate)}, true
	case "block-device-mapping.volume-type":
		return []string{im.VolumeType}, true
	case "block-device-mapping.volume-size":
		return []string{strconv.Itoa(im.VolumeSizeGiB)}, true
	}
	return nil, false
}

// describeImages lists the images the caller may launch (public ones and
// its own), narrowed by Owner.N, ImageId.N and filters.
func describeImages(c *call) (any, error) {
	if c.p.Has("MaxResults") && len(c.p.List("ImageId")) > 0 {
		return nil, errBadRequest("InvalidParameterCombination", "The parameter imageIdSet cannot be used with the parameter maxResults")
	}
	for _, id := range c.p.List("ImageId") {
		if !strings.HasPrefix(id, "ami-") {
			return nil, errBadRequest("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
		}
	}
	owners := c.p.List("Owner")
	visible := map[string]*Image{}
	for id, im := range c.r.EC2.Compute.Images {
		if (im.Public || im.OwnerID == AccountID) && ownedBy(im, owners) {
			visible[id] = im
		}
	}
	fields := func(im *Image) fieldFunc {
		if im == nil {
			im = &Image{}
		}
		return func(name string) ([]string, bool) { return imageField(im, name) }
	}
	tags := func(im *Image) []Tag {
		if im == nil {
			return nil
		}
		return im.Tags
	}
	list, next, err := describe(c, visible, "ImageId", tags, fields, 5)
	if err != nil {
		return nil, err
	}
	out := struct {
		Images    []imageXML `xml:"imagesSet>item"`
		NextToken string     `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, im := range list {
		out.Images = append(out.Images, imageXMLOf(im))
	}
	return out, nil
}

// ownedBy reports whether im matches the Owner.N list: "self", an alias
// such as "amazon", or an account id. No owners means any.
func ownedBy(im *Image, owners []string) bool {
	if len(owners) == 0 {
		return true
	}
	for _, o := range owners {
		switch {
		case o == "self" && im.OwnerID == AccountID,
			o == im.OwnerID,
			o == im.OwnerAlias && o != "":
			return true
		}
	}
	return false
}

// deregisterImage removes one of the account's own images. Its snapshot
// stays (and keeps costing) unless DeleteAssociatedSnapshots is set.
func deregisterImage(c *call) (any, error) {
	id := c.p.Get("ImageId")
	if id == "" {
		return nil, errMissing("ImageId")
	}
	im := c.r.EC2.Compute.Images[id]
	if im == nil {
		return nil, errNoID(id)
	}
	if im.OwnerID != AccountID {
		return nil, apiErr(http.StatusUnauthorized, "AuthFailure", "Not authorized for image:%s", id)
	}
	delete(c.r.EC2.Compute.Images, id)
	out := struct {
		Return  bool                `xml:"return"`
		Results []snapshotResultXML `xml:"deleteSnapshotResultSet>item"`
	}{Return: true}
	if c.p.Bool("DeleteAssociatedSnapshots", false) {
		out.Results = c.r.EC2.Compute.deleteImageSnapshots(im)
	}
	return out, nil
}

type imageXML struct {
	ImageID         string   `xml:"imageId"`
	ImageLocation   string   `xml:"imageLocation"`
	State           string   `xml:"imageState"`
	OwnerID         string   `xml:"imageOwnerId"`
	CreationDate    string   `xml:"creationDate"`
	IsPublic        bool     `xml:"isPublic"`
	Architecture    string   `xml:"architecture"`
	ImageType       string   `xml:"imageType"`
	SourceInstance  string   `xml:"sourceInstanceId,omitempty"`
	OwnerAlias      string   `xml:"imageOwnerAlias,omitempty"`
	Name            string   `xml:"name"`
	Description     string   `xml:"description,omitempty"`
	RootDeviceType  string   `xml:"rootDeviceType"`
	RootDeviceName  string   `xml:"rootDeviceName"`
	BlockDevices    []bdmXML `xml:"blockDeviceMapping>item"`
	Virtualization  string   `xml:"virtualizationType"`
	Tags            []xmlTag `xml:"tagSet>item"`
	Hypervisor      string   `xml:"hypervisor"`
	EnaSupport      bool     `xml:"enaSupport"`
	SriovNetSupport string   `xml:"sriovNetSupport"`
	PlatformDetails string   `xml:"platformDetails"`
	UsageOperation  string   `xml:"usageOperation"`
	IMDSSupport     string   `xml:"imdsSupport,omitempty"`
	BootMode        string   `xml:"bootMode,omitempty"`
}

type bdmXML struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		SnapshotID          string `xml:"snapshotId"`
		VolumeSize          int    `xml:"volumeSize"`
		VolumeType          string `xml:"volumeType"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
		Encrypted           bool   `xml:"encrypted"`
	} `xml:"ebs"`
}

func imageXMLOf(im *Image) imageXML {
	loc := im.OwnerID + "/" + im.Name
	if im.OwnerAlias != "" {
		loc = im.OwnerAlias + "/" + im.Name
	}
	x := imageXML{
		ImageID: im.ID, ImageLocation: loc, State: im.State, OwnerID: im.OwnerID, CreationDate: xmlTime(im.CreationDate),
		IsPublic: im.Public, Architecture: im.Architecture, ImageType: "machine", SourceInstance: im.SourceInstanceID,
		OwnerAlias: im.OwnerAlias, Name: im.Name, Description: im.Description, RootDeviceType: "ebs", RootDeviceName: im.RootDevice,
		Virtualization: "hvm", Tags: xmlTags(im.Tags), Hypervisor: "xen", EnaSupport: true, SriovNetSupport: "simple",
		PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances",
	}
	if im.IMDSv2Only {
		x.IMDSSupport = "v2.0"
	}
	if im.Architecture == "arm64" {
		x.BootMode = "uefi"
	}
	var b bdmXML
	b.DeviceName = im.RootDevice
	b.Ebs.SnapshotID, b.Ebs.VolumeSize, b.Ebs.VolumeType, b.Ebs.DeleteOnTermination, b.Ebs.Encrypted = im.SnapshotID, im.VolumeSizeGiB, im.VolumeType, true, im.Encrypted
	x.BlockDevices = []bdmXML{b}
	return x
}
