package fleet

import (
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// Snapshot is one coherent reading of a stack's fleet: the group and its
// instances joined with EC2 and target health, the load balancer, alarms,
// scaling activities and instance refreshes. A snapshot is never changed
// after Snapshot returns it, so it can be shared between goroutines.
type Snapshot struct {
	// Seq counts snapshots of the same target (Prev.Seq + 1).
	Seq int
	// TakenAt is when the reading started.
	TakenAt time.Time
	Group   Group
	// Instances are the group's instances, by id.
	Instances []Instance
	// Targets are the target group's registered targets, by id.
	Targets []Target
	// LB is the load balancer part, nil until it has been read once;
	// LB.ReadAt says when.
	LB           *LB
	Alarms       []Alarm
	AlarmHistory []AlarmEvent
	// Activities are the group's most recent scaling activities, newest first.
	Activities []Activity
	// Refreshes are the most recent instance refreshes, newest first.
	Refreshes []Refresh
	// Calls is the number of API requests the snapshot made (before the
	// SDK's retries).
	Calls int
	// Problems are the parts that failed this time for a reason that may
	// pass (throttling, a timeout, a 5xx); their data is the previous
	// snapshot's.
	Problems []Problem
	// Parts holds the status of every part that is not ok: failed (also in
	// Problems), denied or unsupported (gaps: their data is empty, and
	// they are asked again only every GapRetry). Read it with Part
	// and Gaps.
	Parts map[Part]PartStatus

	// Changing says what was changing in the group when the snapshot was
	// taken ("3 instances Pending", "desired 6, 4 in service"), "" when it
	// was steady: while it changes, EC2 details and scaling activities are
	// read on every snapshot.
	Changing string

	// readAt is when each part's data was read (carried parts keep theirs);
	// read it with ReadAt.
	readAt map[Part]time.Time
	// alarmScan is when the alarms were last looked for by prefix.
	alarmScan time.Time
	// historyMark is the newest alarm state change the alarm history
	// covers: a newer one makes the history due.
	historyMark time.Time
}

// Problem is a part of a snapshot that could not be read.
type Problem struct {
	// Part is what failed: "instances", "targets", "metrics", "alarms",
	// "alarm history", "activities", "refreshes", "load balancer".
	Part string
	Err  error
}

// ReadAt is when part p's data was read: TakenAt for a part read by this
// snapshot, earlier for one carried (not due, or failed this time), zero
// for one never read (a gap, or a part the stack does not have).
func (s *Snapshot) ReadAt(p Part) time.Time { return s.readAt[p] }

// Throttled reports whether any part failed because AWS throttled it.
func (s *Snapshot) Throttled() bool {
	for _, p := range s.Problems {
		if aws.IsThrottle(p.Err) {
			return true
		}
	}
	return false
}

// Group is an Auto Scaling group's settings and what it is doing.
type Group struct {
	Name    string
	ARN     string
	Min     int
	Desired int
	Max     int
	// TerminationPolicies in the order the group applies them.
	TerminationPolicies []string
	// The launch template the group launches from and the version as the
	// group names it ("$Latest", "$Default" or a number).
	LaunchTemplateID      string
	LaunchTemplateName    string
	LaunchTemplateVersion string
	HealthCheckType       string
	HealthCheckGrace      time.Duration
	TargetGroupARNs       []string
	// Status is empty, or "Delete in progress".
	Status  string
	Created time.Time
	// Refresh is the instance refresh in progress (Pending, InProgress,
	// Cancelling, Baking, RollbackInProgress), or nil.
	Refresh *Refresh
}

// Instance is one group instance, joined from Auto Scaling, EC2, the target
// group and CloudWatch.
type Instance struct {
	ID string
	AZ string
	// Lifecycle is Auto Scaling's lifecycle state: Pending, InService,
	// Standby, Terminating, ...
	Lifecycle string
	// Health is Auto Scaling's view: Healthy or Unhealthy.
	Health    string
	Protected bool
	// LaunchTemplateID and LaunchTemplateVersion are what the instance was
	// launched from; both are empty for an instance attached by hand.
	LaunchTemplateID      string
	LaunchTemplateVersion string
	InstanceType          string
	// From EC2: empty/zero until EC2 has been read for it.
	State      string // pending, running, shutting-down, ...
	PrivateIP  string
	ImageID    string
	LaunchTime time.Time
	// Target is the instance's health in the target group; State is empty
	// when it is not registered.
	Target Health
	// CPU is average CPUUtilization per period, oldest first; NaN marks a
	// period without data. Nil until CloudWatch has been read for it.
	CPU []float64
}

// Health is a target's health as the load balancer sees it.
type Health struct {
	// State: initial, healthy, unhealthy, unused, draining, unavailable.
	State string
	// Reason is the reason code (Target.FailedHealthChecks, Elb.InitialHealthChecking, ...).
	Reason      string
	Description string
}

// Target is one registered target.
type Target struct {
	ID   string
	Port int
	AZ   string
	Health
}

// LB is the load balancer part of a snapshot.
type LB struct {
	ARN  string
	Name string
	// DNSName and CanonicalZoneID are what a Route 53 alias points at.
	DNSName         string
	CanonicalZoneID string
	// State: provisioning, active, active_impaired, failed.
	State         string
	StateReason   string
	Scheme        string
	IPAddressType string
	Listeners     []Listener
	// HealthCheck summarises the target group's health check.
	HealthCheck HealthCheck
	// Certificates are the listeners' certificates.
	Certificates []Cert
	// Record is the stack's alias record, nil when the stack has none.
	Record *Record
	ReadAt time.Time
}

// HealthCheck is a target group's health check.
type HealthCheck struct {
	Protocol  string
	Port      string
	Path      string
	Matcher   string
	Interval  time.Duration
	Timeout   time.Duration
	Healthy   int
	Unhealthy int
}

// Listener is one listener with its rules.
type Listener struct {
	ARN      string
	Protocol string
	Port     int
	// CertificateARN is the default certificate of an HTTPS listener;
	// CertificateARNs are all it serves, the default first.
	CertificateARN  string
	CertificateARNs []string
	// Default is the default action, in words ("forward to web-tg",
	// "redirect to HTTPS:443").
	Default string
	Rules   []Rule
}

// Rule is a listener rule other than the default.
type Rule struct {
	Priority   string
	Conditions string
	Actions    string
}

// Cert is an ACM certificate a listener serves.
type Cert struct {
	ARN      string
	Domain   string
	Status   string
	NotAfter time.Time
	// RenewalEligibility and InUseBy say whether ACM renews it.
	RenewalEligibility string
}

// Record is a Route 53 alias record (A, and AAAA when present).
type Record struct {
	ZoneID string
	Name   string
	// Types are the record types that exist for the name ("A", "AAAA").
	Types []string
	// DNSName and ZoneID of the alias target (the A record's).
	TargetDNS    string
	TargetZoneID string
	// EvaluateTargetHealth is the A record's setting.
	EvaluateTargetHealth bool
}

// Alarm is a CloudWatch metric alarm.
type Alarm struct {
	Name       string
	State      string // OK, ALARM, INSUFFICIENT_DATA
	Reason     string
	Namespace  string
	Metric     string
	Statistic  string
	Comparison string
	Threshold  float64
	Updated    time.Time
	// Actions is whether the alarm's actions are enabled.
	Actions bool
}

// AlarmEvent is one entry of alarm history.
type AlarmEvent struct {
	Alarm   string
	Time    time.Time
	Type    string // StateUpdate, ConfigurationUpdate, Action
	Summary string
}

// Activity is a scaling activity.
type Activity struct {
	ID          string
	Status      string // Successful, InProgress, Failed, Cancelled, ...
	Description string
	Cause       string
	Message     string
	Progress    int
	Start       time.Time
	End         time.Time
}

// Refresh is an instance refresh.
type Refresh struct {
	ID       string
	Status   string
	Reason   string
	Percent  int
	ToUpdate int
	// MinHealthy is the MinHealthyPercentage it keeps in service.
	MinHealthy int
	Start      time.Time
	End        time.Time
}

// Active reports whether the refresh is still under way.
func (r Refresh) Active() bool {
	switch r.Status {
	case "Pending", "InProgress", "Cancelling", "Baking", "RollbackInProgress":
		return true
	}
	return false
}
