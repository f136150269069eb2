package sandbox

import "time"

// The compute half of EC2. The types and functions below are what other
// services of the sandbox use; keep their signatures.

// EC2Compute is one region's instances, images and launch templates.
type EC2Compute struct {
	Instances       map[string]*Instance       `json:"instances"`
	Images          map[string]*Image          `json:"images"`
	LaunchTemplates map[string]*LaunchTemplate `json:"launch_templates"`
	// Snapshots are the account's own EBS snapshots (the images it took).
	Snapshots map[string]*Snapshot `json:"snapshots"`
	// ClientTokens remembers the idempotency tokens of RunInstances and
	// CreateLaunchTemplate, keyed "Operation/token", so a retried request
	// answers what the first one created instead of creating it twice.
	ClientTokens map[string]*ClientTokenRecord `json:"client_tokens"`

	// scanAt is the earliest deadline of any instance or image; tick skips
	// its scan before then, which keeps a request cheap with a thousand
	// instances. It is not persisted: zero after a load forces one scan.
	scanAt time.Time
}

// ClientTokenRecord is what an idempotent request created.
type ClientTokenRecord struct {
	// Fingerprint summarises the request's other parameters; a retry with
	// the same token but different parameters is IdempotentParameterMismatch.
	Fingerprint string `json:"fingerprint"`
	// ResourceID is the reservation (RunInstances) or launch template id.
	ResourceID string `json:"resource_id"`
}

// Instance is an EC2 instance.
type Instance struct {
	ID                    string    `json:"id"`
	ReservationID         string    `json:"reservation_id"`
	LaunchIndex           int       `json:"launch_index"`
	ImageID               string    `json:"image_id"`
	InstanceType          string    `json:"instance_type"`
	Architecture          string    `json:"architecture"`
	SubnetID              string    `json:"subnet_id"`
	VpcID                 string    `json:"vpc_id"`
	AZ                    string    `json:"az"`
	PrivateIP             string    `json:"private_ip"`
	PublicIP              string    `json:"public_ip,omitempty"`
	ENIID                 string    `json:"eni_id"`
	SecurityGroups        []string  `json:"security_groups"`
	IAMInstanceProfileArn string    `json:"iam_instance_profile_arn,omitempty"`
	IAMInstanceProfileID  string    `json:"iam_instance_profile_id,omitempty"`
	KeyName               string    `json:"key_name,omitempty"`
	UserData              string    `json:"user_data,omitempty"` // base64, as sent
	HTTPTokens            string    `json:"http_tokens"`         // IMDS: "required" (v2 only) or "optional"
	RootDevice            string    `json:"root_device"`
	VolumeID              string    `json:"volume_id"`
	VolumeSizeGiB         int       `json:"volume_size_gib"`
	VolumeType            string    `json:"volume_type"`
	Encrypted             bool      `json:"encrypted,omitempty"`
	LaunchTemplateID      string    `json:"launch_template_id,omitempty"`
	LaunchTemplateVersion string    `json:"launch_template_version,omitempty"`
	State                 string    `json:"state"` // pending, running, shutting-down, terminated, stopping, stopped
	StateReason           string    `json:"state_reason,omitempty"`
	LaunchTime            time.Time `json:"launch_time"`
	RunningAt             time.Time `json:"running_at"`    // when pending ends
	ReadyAt               time.Time `json:"ready_at"`      // when the app answers health checks
	StopAt                time.Time `json:"stop_at"`       // when stopping ends
	TerminateAt           time.Time `json:"terminate_at"`  // when shutting-down ends
	TerminatedAt          time.Time `json:"terminated_at"` // when it left the running fleet
	GoneAt                time.Time `json:"gone_at"`       // when a terminated instance stops being listed
	// AppFailing makes the instance's app fail health checks (HTTP 500):
	// set with POST /_sandbox/app-health to script an unhealthy target.
	AppFailing bool `json:"app_failing,omitempty"`
	// AppHealthy makes the app answer 200 whatever the instance would serve
	// (POST /_sandbox/app-health with "healthy": true).
	AppHealthy bool `json:"app_healthy,omitempty"`
	// ServesApp says something listens once the instance has booted: its
	// user data starts something, or its image was baked from an instance
	// that did (see startsApp). A stock image with no user data serves nothing.
	ServesApp   bool   `json:"serves_app,omitempty"`
	ClientToken string `json:"client_token,omitempty"`
	Tags        []Tag  `json:"tags"`
}

// Image is an AMI.
type Image struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Description      string    `json:"description,omitempty"`
	OwnerID          string    `json:"owner_id"`
	OwnerAlias       string    `json:"owner_alias,omitempty"` // "amazon" for Amazon's own images
	Public           bool      `json:"public"`
	Architecture     string    `json:"architecture"`
	State            string    `json:"state"` // pending, available, deregistered
	AvailableAt      time.Time `json:"available_at"`
	CreationDate     time.Time `json:"creation_date"`
	SourceInstanceID string    `json:"source_instance_id,omitempty"`
	RootDevice       string    `json:"root_device"`
	SnapshotID       string    `json:"snapshot_id"`
	VolumeSizeGiB    int       `json:"volume_size_gib"`
	VolumeType       string    `json:"volume_type"`
	Encrypted        bool      `json:"encrypted,omitempty"`
	IMDSv2Only       bool      `json:"imdsv2_only,omitempty"` // ImdsSupport v2.0: launches default to HttpTokens=required
	// StartsApp: the image was taken of an instance that served an app, so
	// instances launched from it serve it too, with or without user data.
	StartsApp bool  `json:"starts_app,omitempty"`
	Tags      []Tag `json:"tags"`
}

// LaunchTemplate is a launch template with its versions.
type LaunchTemplate struct {
	ID             string                   `json:"id"`
	Name           string                   `json:"name"`
	DefaultVersion int                      `json:"default_version"`
	LatestVersion  int                      `json:"latest_version"`
	Versions       []*LaunchTemplateVersion `json:"versions"`
	CreateTime     time.Time                `json:"create_time"`
	Tags           []Tag                    `json:"tags"`
}

// LaunchTemplateVersion is one version's data.
type LaunchTemplateVersion struct {
	Number              int       `json:"number"`
	Description         string    `json:"description,omitempty"`
	ImageID             string    `json:"image_id,omitempty"`
	InstanceType        string    `json:"instance_type,omitempty"`
	KeyName             string    `json:"key_name,omitempty"`
	SecurityGroupIDs    []string  `json:"security_group_ids,omitempty"`
	IAMProfileArn       string    `json:"iam_profile_arn,omitempty"`
	IAMProfileName      string    `json:"iam_profile_name,omitempty"`
	UserData            string    `json:"user_data,omitempty"`
	HTTPTokens          string    `json:"http_tokens,omitempty"`
	HTTPEndpoint        string    `json:"http_endpoint,omitempty"`
	HTTPHopLimit        int       `json:"http_hop_limit,omitempty"`
	DeviceName          string    `json:"device_name,omitempty"`
	VolumeSizeGiB       int       `json:"volume_size_gib,omitempty"`
	VolumeType          string    `json:"volume_type,omitempty"`
	Encrypted           bool      `json:"encrypted,omitempty"`
	DeleteOnTermination *bool     `json:"delete_on_termination,omitempty"`
	InstanceTags        []Tag     `json:"instance_tags,omitempty"` // TagSpecification ResourceType=instance
	VolumeTags          []Tag     `json:"volume_tags,omitempty"`   // TagSpecification ResourceType=volume
	CreateTime          time.Time `json:"create_time"`
}

func newEC2Compute() *EC2Compute {
	s := &EC2Compute{}
	s.ensure()
	return s
}

// ensure fills maps that an older persisted world lacks.
func (s *EC2Compute) ensure() {
	if s.Instances == nil {
		s.Instances = map[string]*Instance{}
	}
	if s.Images == nil {
		s.Images = map[string]*Image{}
	}
	if s.LaunchTemplates == nil {
		s.LaunchTemplates = map[string]*LaunchTemplate{}
	}
	if s.ClientTokens == nil {
		s.ClientTokens = map[string]*ClientTokenRecord{}
	}
	if s.Snapshots == nil {
		s.Snapshots = map[string]*Snapshot{}
	}
}

// inventory lists instances that are not terminated, the account's own
// images, their snapshots and launch templates; the public images are
// built in.
func (s *EC2Compute) inventory() []InventoryItem {
	var items []InventoryItem
	for _, in := range s.Instances {
		if in.State == stateShuttingDown || in.State == stateTerminated {
			continue
		}
		items = append(items, InventoryItem{Type: "ec2:instance", ID: in.ID, Name: nameTag(in.Tags), State: in.State, Tags: tagMap(in.Tags)})
	}
	for _, im := range s.Images {
		if im.OwnerID != AccountID {
			continue
		}
		items = append(items, InventoryItem{Type: "ec2:image", ID: im.ID, Name: im.Name, State: im.State, Tags: tagMap(im.Tags)})
	}
	for _, lt := range s.LaunchTemplates {
		items = append(items, InventoryItem{Type: "ec2:launch-template", ID: lt.ID, Name: lt.Name, Tags: tagMap(lt.Tags)})
	}
	for _, sn := range s.Snapshots {
		items = append(items, InventoryItem{Type: "ec2:snapshot", ID: sn.ID, Name: nameTag(sn.Tags), State: "completed", Tags: tagMap(sn.Tags)})
	}
	return items
}

// wake makes the next tick at or after t scan the instances and images.
func (s *EC2Compute) wake(t time.Time) {
	if s.scanAt.IsZero() || t.Before(s.scanAt) {
		s.scanAt = t
	}
}

// farFuture stands for "no deadline pending".
func farFuture() time.Time { return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }

// tick moves instances and images through their states: pending → running,
// stopping → stopped, shutting-down → terminated (releasing the ENI), and
// forgets terminated instances once their retention is over.
func (s *EC2Compute) tick(r *Region, now time.Time, d durations) {
	if !s.scanAt.IsZero() && now.Before(s.scanAt) {
		return
	}
	next := farFuture()
	due := func(t time.Time) {
		if t.Before(next) {
			next = t
		}
	}
	for id, in := range s.Instances {
		switch in.State {
		case statePending:
			if now.Before(in.RunningAt) {
				due(in.RunningAt)
				continue
			}
			in.State = stateRunning
		case stateStopping:
			if now.Before(in.StopAt) {
				due(in.StopAt)
				continue
			}
			in.State = stateStopped
			in.StateReason = "Client.UserInitiatedShutdown: User initiated shutdown"
		case stateShuttingDown:
			if now.Before(in.TerminateAt) {
				due(in.TerminateAt)
				continue
			}
			in.State = stateTerminated
			r.deleteENIsOf(id)
			in.PrivateIP, in.PublicIP, in.ENIID = "", "", ""
			due(in.GoneAt)
		case stateTerminated:
			if now.Before(in.GoneAt) {
				due(in.GoneAt)
				continue
			}
			delete(s.Instances, id)
		}
	}
	for _, im := range s.Images {
		if im.State == imagePending {
			if now.Before(im.AvailableAt) {
				due(im.AvailableAt)
				continue
			}
			im.State = imageAvailable
		}
	}
	s.scanAt = next
}

// tagsOf returns the tag list of an instance, image, snapshot or launch template, so
// CreateTags, DeleteTags and DescribeTags work on them.
func (s *EC2Compute) tagsOf(id string) *[]Tag {
	if in := s.Instances[id]; in != nil && in.State != stateTerminated {
		return &in.Tags
	}
	if im := s.Images[id]; im != nil && im.OwnerID == AccountID {
		return &im.Tags
	}
	if lt := s.LaunchTemplates[id]; lt != nil {
		return &lt.Tags
	}
	if sn := s.Snapshots[id]; sn != nil {
		return &sn.Tags
	}
	return nil
}

func ec2ComputeHandlers() map[string]handler {
	m := map[string]handler{
		"RunInstances":           runInstances,
		"DescribeInstances":      describeInstances,
		"DescribeInstanceStatus": describeInstanceStatus,
		"TerminateInstances":     terminateInstances,
		"StopInstances":          stopInstances,
		"StartInstances":         startInstances,

		"DescribeInstanceAttribute": describeInstanceAttribute,

		"CreateImage":     createImage,
		"DescribeImages":  describeImages,
		"DeregisterImage": deregisterImage,

		"DescribeSnapshots": describeSnapshots,
		"DeleteSnapshot":    deleteSnapshot,

		"CreateLaunchTemplate":           createLaunchTemplate,
		"DescribeLaunchTemplates":        describeLaunchTemplates,
		"DeleteLaunchTemplate":           deleteLaunchTemplate,
		"CreateLaunchTemplateVersion":    createLaunchTemplateVersion,
		"DescribeLaunchTemplateVersions": describeLaunchTemplateVersions,
		"ModifyLaunchTemplate":           modifyLaunchTemplate,

		"DescribeInstanceTypes":         describeInstanceTypes,
		"DescribeInstanceTypeOfferings": describeInstanceTypeOfferings,
		"DescribeVolumes":               describeVolumes,
	}
	for op, h := range m {
		if op != "RunInstances" { // it validates the launch before answering a dry run
			m[op] = dryRunnable(h)
		}
	}
	return m
}

// instance returns the instance with id, or nil.
func (r *Region) instance(id string) *Instance { return r.EC2.Compute.Instances[id] }

// launchFromTemplate starts one instance from a launch template version
// ("$Latest", "$Default" or a number) in subnetID, as Auto Scaling does. It
// checks the template's instance profile with IAM (propagation window) and
// returns the error Auto Scaling reports when the launch fails.
func (r *Region) launchFromTemplate(now time.Time, d durations, templateID, templateName, version, subnetID string, tags []Tag) (*Instance, *APIError) {
	lt, err := r.findLaunchTemplate(templateID, templateName)
	if err != nil {
		return nil, asgLaunchError(err)
	}
	v, err := lt.version(version)
	if err != nil {
		return nil, asgLaunchError(err)
	}
	spec := specFromTemplate(lt, v)
	spec.SubnetID = subnetID
	spec.Tags = append(spec.Tags, tags...)
	if err := r.resolveLaunch(now, d, &spec); err != nil {
		return nil, asgLaunchError(err)
	}
	in, err := r.startInstance(now, d, &spec, r.w.newID("r"), 0)
	if err != nil {
		return nil, asgLaunchError(err)
	}
	return in, nil
}

// asgLaunchError is how Auto Scaling reports a launch that EC2 refused: a
// ValidationError that carries EC2's message behind its own preamble.
func asgLaunchError(e *APIError) *APIError {
	return errBadRequest("ValidationError", "You must use a valid fully-formed launch template. %s", e.Message)
}

// terminateInstance starts shutting an instance down (no-op if already gone).
func (r *Region) terminateInstance(now time.Time, d durations, id string) {
	if in := r.instance(id); in != nil {
		r.EC2.Compute.terminate(in, now, d)
	}
}

// terminate moves an instance to shutting-down; it reports the state the
// instance was in.
func (s *EC2Compute) terminate(in *Instance, now time.Time, d durations) string {
	prev := in.State
	if prev == stateShuttingDown || prev == stateTerminated {
		return prev
	}
	in.State = stateShuttingDown
	in.StateReason = "Client.UserInitiatedShutdown: User initiated shutdown"
	in.TerminatedAt = now
	in.TerminateAt = now.Add(d.InstanceShutdown)
	in.GoneAt = in.TerminateAt.Add(d.TerminatedRetention)
	s.wake(in.TerminateAt)
	return prev
}

// nameTag is the value of a resource's Name tag, or "".
func nameTag(tags []Tag) string {
	for _, t := range tags {
		if t.Key == "Name" {
			return t.Value
		}
	}
	return ""
}
