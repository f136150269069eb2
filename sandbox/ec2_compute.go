package sandbox

import "time"

// OWNER: the compute half of EC2. The types and functions below are the
// contract other services use; keep their signatures.

// EC2Compute is one region's instances, images and launch templates.
type EC2Compute struct {
	Instances       map[string]*Instance       `json:"instances"`
	Images          map[string]*Image          `json:"images"`
	LaunchTemplates map[string]*LaunchTemplate `json:"launch_templates"`
}

// Instance is an EC2 instance.
type Instance struct {
	ID                    string    `json:"id"`
	ImageID               string    `json:"image_id"`
	InstanceType          string    `json:"instance_type"`
	SubnetID              string    `json:"subnet_id"`
	VpcID                 string    `json:"vpc_id"`
	AZ                    string    `json:"az"`
	PrivateIP             string    `json:"private_ip"`
	PublicIP              string    `json:"public_ip,omitempty"`
	ENIID                 string    `json:"eni_id"`
	SecurityGroups        []string  `json:"security_groups"`
	IAMInstanceProfileArn string    `json:"iam_instance_profile_arn,omitempty"`
	KeyName               string    `json:"key_name,omitempty"`
	UserData              string    `json:"user_data,omitempty"` // base64, as sent
	LaunchTemplateID      string    `json:"launch_template_id,omitempty"`
	LaunchTemplateVersion string    `json:"launch_template_version,omitempty"`
	State                 string    `json:"state"` // pending, running, shutting-down, terminated, stopping, stopped
	StateReason           string    `json:"state_reason,omitempty"`
	LaunchTime            time.Time `json:"launch_time"`
	RunningAt             time.Time `json:"running_at"`    // when pending ends
	ReadyAt               time.Time `json:"ready_at"`      // when the app answers health checks
	TerminateAt           time.Time `json:"terminate_at"`  // when shutting-down ends
	TerminatedAt          time.Time `json:"terminated_at"` // when it left the running fleet
	// AppFailing makes the instance's app fail health checks (HTTP 500):
	// set with POST /_sandbox/app-health to script an unhealthy target.
	AppFailing  bool   `json:"app_failing,omitempty"`
	ClientToken string `json:"client_token,omitempty"`
	Tags        []Tag  `json:"tags"`
}

// Image is an AMI.
type Image struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Description      string    `json:"description,omitempty"`
	OwnerID          string    `json:"owner_id"`
	Public           bool      `json:"public"`
	Architecture     string    `json:"architecture"`
	State            string    `json:"state"` // pending, available, deregistered
	AvailableAt      time.Time `json:"available_at"`
	CreationDate     time.Time `json:"creation_date"`
	SourceInstanceID string    `json:"source_instance_id,omitempty"`
	Tags             []Tag     `json:"tags"`
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
	Number           int       `json:"number"`
	Description      string    `json:"description,omitempty"`
	ImageID          string    `json:"image_id,omitempty"`
	InstanceType     string    `json:"instance_type,omitempty"`
	KeyName          string    `json:"key_name,omitempty"`
	SecurityGroupIDs []string  `json:"security_group_ids,omitempty"`
	IAMProfileArn    string    `json:"iam_profile_arn,omitempty"`
	IAMProfileName   string    `json:"iam_profile_name,omitempty"`
	UserData         string    `json:"user_data,omitempty"`
	HTTPTokens       string    `json:"http_tokens,omitempty"`
	VolumeSizeGiB    int       `json:"volume_size_gib,omitempty"`
	VolumeType       string    `json:"volume_type,omitempty"`
	Encrypted        bool      `json:"encrypted,omitempty"`
	CreateTime       time.Time `json:"create_time"`
}

func newEC2Compute() *EC2Compute {
	return &EC2Compute{Instances: map[string]*Instance{}, Images: map[string]*Image{}, LaunchTemplates: map[string]*LaunchTemplate{}}
}

func (s *EC2Compute) inventory() []InventoryItem                 { return nil }
func (s *EC2Compute) tick(r *Region, now time.Time, d durations) {}
func (s *EC2Compute) tagsOf(id string) *[]Tag                    { return nil }
func ec2ComputeHandlers() map[string]handler                     { return map[string]handler{} }
func seedImages(r *Region)                                       {}

// instance returns the instance with id, or nil.
func (r *Region) instance(id string) *Instance { return r.EC2.Compute.Instances[id] }

// launchFromTemplate starts one instance from a launch template version
// ("$Latest", "$Default" or a number) in subnetID, as Auto Scaling does. It
// checks the template's instance profile with IAM (propagation window) and
// returns the error Auto Scaling reports when the launch fails.
func (r *Region) launchFromTemplate(now time.Time, d durations, templateID, templateName, version, subnetID string, tags []Tag) (*Instance, *APIError) {
	return nil, errBadRequest("ValidationError", "launchFromTemplate not implemented")
}

// terminateInstance starts shutting an instance down (no-op if already gone).
func (r *Region) terminateInstance(now time.Time, d durations, id string) {}
