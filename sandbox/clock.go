package sandbox

import (
	"fmt"
	"time"

	awsdurations "github.com/stackwiz/stackwiz/durations"
)

// Latency profiles. Instant makes every AWS process finish by the next
// request (tests); realistic makes them take about as long as on AWS,
// divided by a speed factor.
const (
	LatencyInstant   = "instant"
	LatencyRealistic = "realistic"
)

// durations says how long each AWS process takes in the sandbox. The
// realistic figures at speed 1 are what AWS usually takes (observed, and
// from the AWS docs where they give one):
//
//	process                                    realistic (1x)
//	instance pending → running                  40 s
//	instance shutting-down → terminated          30 s
//	instance boot until the app answers          40 s after running
//	NAT gateway pending → available              120 s
//	NAT gateway deleting → deleted               60 s
//	load balancer provisioning → active          180 s
//	image pending → available                    300 s
//	certificate validation after the CNAME       60 s
//	Route 53 change PENDING → INSYNC             30 s
//	IAM instance profile propagation            10 s
//	load balancer ENIs gone after its deletion   60 s
//
// Health checks always run at the target group's own interval, scaled by the
// speed factor (instant: one check per request).
type durations struct {
	InstancePending     time.Duration
	InstanceShutdown    time.Duration
	AppBoot             time.Duration
	NATPending          time.Duration
	NATDeleting         time.Duration
	LBProvisioning      time.Duration
	ImagePending        time.Duration
	CertValidation      time.Duration
	DNSChange           time.Duration
	IAMPropagation      time.Duration
	LBENIRelease        time.Duration
	TerminatedRetention time.Duration // how long terminated instances stay visible
	Speed               float64       // 0 = instant: health-check intervals collapse too
}

// AWSDurations is the realistic profile at 1x: how long each AWS process
// usually takes, by the names of the table above. The table itself lives
// in package durations (with its sources), which plan's estimate and the
// benchmarks read too, so the sandbox's clock and every yardstick apply is
// measured against are one table.
func AWSDurations() map[string]time.Duration { return awsdurations.AWS() }

// scale divides d by the speed factor.
func (d durations) scale(v time.Duration) time.Duration {
	if d.Speed <= 0 {
		return 0
	}
	return time.Duration(float64(v) / d.Speed)
}

// profileDurations returns the table for a latency profile.
func profileDurations(profile string, speed float64, iamPropagation time.Duration) (durations, error) {
	switch profile {
	case "", LatencyInstant:
		return durations{IAMPropagation: iamPropagation, TerminatedRetention: time.Hour}, nil
	case LatencyRealistic:
		if speed <= 0 {
			speed = 1
		}
		d := durations{Speed: speed, TerminatedRetention: time.Hour}
		aws := AWSDurations()
		d.InstancePending = d.scale(aws["instance-pending"])
		d.InstanceShutdown = d.scale(aws["instance-shutdown"])
		d.AppBoot = d.scale(aws["app-boot"])
		d.NATPending = d.scale(aws["nat-pending"])
		d.NATDeleting = d.scale(aws["nat-deleting"])
		d.LBProvisioning = d.scale(aws["lb-provisioning"])
		d.ImagePending = d.scale(aws["image-pending"])
		d.CertValidation = d.scale(aws["cert-validation"])
		d.DNSChange = d.scale(aws["dns-change"])
		d.LBENIRelease = d.scale(aws["lb-eni-release"])
		d.IAMPropagation = iamPropagation
		if d.IAMPropagation < 0 {
			d.IAMPropagation = d.scale(aws["iam-propagation"])
		}
		return d, nil
	}
	return durations{}, fmt.Errorf("unknown latency profile %q: use %q or %q", profile, LatencyInstant, LatencyRealistic)
}

// clock is real time plus an offset that tests (and /_sandbox/clock) move
// forward, so a ten-minute health-check story runs in milliseconds.
type clock struct {
	offset time.Duration
	now    func() time.Time
}

func (c *clock) Now() time.Time { return c.now().Add(c.offset).UTC() }
