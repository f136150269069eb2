package spec

import "fmt"

// Logs is one log delivery to an S3 bucket of the stack's own.
type Logs struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// RetentionDays is how long the bucket keeps each log object.
	RetentionDays int `yaml:"retention_days" json:"retention_days"`
}

// logsDefault is off, keeping 90 days once on: long enough to look
// back over an incident found late, short enough to stay cheap.
var logsDefault = Logs{RetentionDays: 90}

// maxRetentionDays is ten years, beyond any log policy we know of.
const maxRetentionDays = 3650

// validateLogs checks network.flow_logs and load_balancer.access_logs.
func (s *Spec) validateLogs(c *collector) {
	for _, l := range []struct {
		path string
		logs Logs
	}{{"network.flow_logs.retention_days", s.Network.FlowLogs}, {"load_balancer.access_logs.retention_days", s.LoadBalancer.AccessLogs}} {
		if d := l.logs.RetentionDays; d < 1 || d > maxRetentionDays {
			c.at(l.path, d, problem(fmt.Sprintf("is %d; a log bucket keeps each object from 1 to %d days", d, maxRetentionDays),
				"write how many days to keep the logs, like 90"))
		}
	}
}
