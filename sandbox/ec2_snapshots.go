package sandbox

import (
	"strconv"
	"time"
)

// Snapshot is an EBS snapshot the account owns. The sandbox makes one for
// each image CreateImage takes (its root volume); the public images'
// snapshots belong to their publishers and are not modelled.
type Snapshot struct {
	ID            string    `json:"id"`
	VolumeSizeGiB int       `json:"volume_size_gib"`
	Encrypted     bool      `json:"encrypted,omitempty"`
	Description   string    `json:"description,omitempty"`
	StartTime     time.Time `json:"start_time"`
	Tags          []Tag     `json:"tags"`
}

// snapshotInUse returns the image that uses snapshot id, or "".
func (s *EC2Compute) snapshotInUse(id string) string {
	for _, im := range s.Images {
		if im.SnapshotID == id {
			return im.ID
		}
	}
	return ""
}

// deleteImageSnapshots deletes the snapshots of a deregistered image that
// no other image uses, as DeregisterImage does with
// DeleteAssociatedSnapshots; a snapshot another image uses is skipped.
func (s *EC2Compute) deleteImageSnapshots(im *Image) []snapshotResultXML {
	sn := s.Snapshots[im.SnapshotID]
	if sn == nil {
		return nil
	}
	if s.snapshotInUse(sn.ID) != "" {
		return []snapshotResultXML{{SnapshotID: sn.ID, ReturnCode: "skipped"}}
	}
	delete(s.Snapshots, sn.ID)
	return []snapshotResultXML{{SnapshotID: sn.ID, ReturnCode: "success"}}
}

type snapshotResultXML struct {
	SnapshotID string `xml:"snapshotId"`
	ReturnCode string `xml:"returnCode"`
}

type snapshotXML struct {
	SnapshotID  string   `xml:"snapshotId"`
	VolumeID    string   `xml:"volumeId"`
	Status      string   `xml:"status"`
	StartTime   string   `xml:"startTime"`
	Progress    string   `xml:"progress"`
	OwnerID     string   `xml:"ownerId"`
	VolumeSize  int      `xml:"volumeSize"`
	Description string   `xml:"description,omitempty"`
	Encrypted   bool     `xml:"encrypted"`
	StorageTier string   `xml:"storageTier"`
	Tags        []xmlTag `xml:"tagSet>item"`
}

// describeSnapshots lists the account's own snapshots, by SnapshotId.N and
// filters; other owners' snapshots are not modelled.
func describeSnapshots(c *call) (any, error) {
	for _, o := range c.p.List("Owner") {
		if o != "self" && o != AccountID {
			return struct {
				Snapshots []snapshotXML `xml:"snapshotSet>item"`
			}{}, nil
		}
	}
	fields := func(sn *Snapshot) fieldFunc {
		if sn == nil {
			sn = &Snapshot{}
		}
		return func(name string) ([]string, bool) {
			switch name {
			case "snapshot-id":
				return []string{sn.ID}, true
			case "owner-id":
				return []string{AccountID}, true
			case "status":
				return []string{"completed"}, true
			case "encrypted":
				return []string{boolStr(sn.Encrypted)}, true
			case "volume-size":
				return []string{strconv.Itoa(sn.VolumeSizeGiB)}, true
			case "description":
				return []string{sn.Description}, true
			}
			return nil, false
		}
	}
	tags := func(sn *Snapshot) []Tag {
		if sn == nil {
			return nil
		}
		return sn.Tags
	}
	list, next, err := describe(c, c.r.EC2.Compute.Snapshots, "SnapshotId", tags, fields, 5)
	if err != nil {
		return nil, err
	}
	out := struct {
		Snapshots []snapshotXML `xml:"snapshotSet>item"`
		NextToken string        `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, sn := range list {
		out.Snapshots = append(out.Snapshots, snapshotXML{
			SnapshotID: sn.ID, VolumeID: "vol-ffffffff", Status: "completed", StartTime: xmlTime(sn.StartTime), Progress: "100%",
			OwnerID: AccountID, VolumeSize: sn.VolumeSizeGiB, Description: sn.Description, Encrypted: sn.Encrypted,
			StorageTier: "standard", Tags: xmlTags(sn.Tags),
		})
	}
	return out, nil
}

// deleteSnapshot deletes one of the account's snapshots; one an image uses
// is InvalidSnapshot.InUse, as on EC2.
func deleteSnapshot(c *call) (any, error) {
	id := c.p.Get("SnapshotId")
	if id == "" {
		return nil, errMissing("SnapshotId")
	}
	s := c.r.EC2.Compute
	if s.Snapshots[id] == nil {
		return nil, errNoID(id)
	}
	if im := s.snapshotInUse(id); im != "" {
		return nil, errBadRequest("InvalidSnapshot.InUse", "The snapshot %s is currently in use by %s", id, im)
	}
	delete(s.Snapshots, id)
	return ec2Bool{Return: true}, nil
}
