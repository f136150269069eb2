package sandbox

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// CWState is one region's CloudWatch: metric alarms and their history.
// Metrics themselves are not stored: metrics.go derives them from the
// resources that exist, so they cost nothing until someone asks.
type CWState struct {
	Alarms  map[string]*Alarm      `json:"alarms"` // by name
	History []AlarmHistoryItemData `json:"history"`
	// Health holds the healthy/unhealthy counts of each target group as
	// CloudWatch observed them over time (a step function), because target
	// health, unlike CPU, cannot be recomputed for the past.
	Health map[string][]healthSample `json:"health"`

	lastHealthCheck time.Time // not persisted: a restart samples at once
}

// Alarm is a metric alarm.
type Alarm struct {
	Name                    string      `json:"name"`
	ARN                     string      `json:"arn"`
	Description             string      `json:"description,omitempty"`
	Namespace               string      `json:"namespace"`
	MetricName              string      `json:"metric_name"`
	Dimensions              []Dimension `json:"dimensions,omitempty"`
	Statistic               string      `json:"statistic,omitempty"`
	ExtendedStatistic       string      `json:"extended_statistic,omitempty"`
	Unit                    string      `json:"unit,omitempty"`
	Period                  int         `json:"period"`
	EvaluationPeriods       int         `json:"evaluation_periods"`
	DatapointsToAlarm       int         `json:"datapoints_to_alarm,omitempty"`
	Threshold               float64     `json:"threshold"`
	ComparisonOperator      string      `json:"comparison_operator"`
	TreatMissingData        string      `json:"treat_missing_data,omitempty"`
	ActionsEnabled          bool        `json:"actions_enabled"`
	AlarmActions            []string    `json:"alarm_actions,omitempty"`
	OKActions               []string    `json:"ok_actions,omitempty"`
	InsufficientDataActions []string    `json:"insufficient_data_actions,omitempty"`
	StateValue              string      `json:"state_value"`
	StateReason             string      `json:"state_reason"`
	StateReasonData         string      `json:"state_reason_data,omitempty"`
	StateUpdated            time.Time   `json:"state_updated"`
	StateTransitioned       time.Time   `json:"state_transitioned"`
	ConfigUpdated           time.Time   `json:"config_updated"`
	NextEvaluation          time.Time   `json:"next_evaluation"`
	Tags                    []Tag       `json:"tags,omitempty"`
	// Managed marks the alarms AWS creates for target tracking policies.
	Managed bool `json:"managed,omitempty"`
}

// Dimension is a metric dimension; the json names are CloudWatch's own, so
// the type serves the CBOR wire format and the saved world alike.
type Dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// AlarmHistoryItemData is one entry of DescribeAlarmHistory.
type AlarmHistoryItemData struct {
	AlarmName string    `json:"alarm_name"`
	Type      string    `json:"type"` // StateUpdate, ConfigurationUpdate, Action
	Summary   string    `json:"summary"`
	Data      string    `json:"data"`
	Timestamp time.Time `json:"timestamp"`
}

// healthSample is a target group's health counts from At on.
type healthSample struct {
	At        time.Time `json:"at"`
	Healthy   int       `json:"healthy"`
	Unhealthy int       `json:"unhealthy"`
}

// Alarm states.
const (
	stateOK           = "OK"
	stateAlarm        = "ALARM"
	stateInsufficient = "INSUFFICIENT_DATA"
)

// historyRetention is how long AWS keeps alarm history (two weeks);
// maxHistory bounds it further for busy sandboxes.
const (
	historyRetention = 14 * 24 * time.Hour
	maxHistory       = 10000
)

func newCWState() *CWState {
	s := &CWState{}
	s.ensure()
	return s
}

func (s *CWState) ensure() {
	if s.Alarms == nil {
		s.Alarms = map[string]*Alarm{}
	}
	if s.Health == nil {
		s.Health = map[string][]healthSample{}
	}
}

func (s *CWState) inventory() []InventoryItem {
	var out []InventoryItem
	for _, a := range s.Alarms {
		if a.Managed {
			continue // AWS owns it and deletes it with its scaling policy
		}
		out = append(out, InventoryItem{Type: "cloudwatch:alarm", ID: a.ARN, Name: a.Name, State: a.StateValue, Tags: tagMap(a.Tags)})
	}
	return out
}

func (s *CWState) addHistory(item AlarmHistoryItemData) {
	s.History = append(s.History, item)
	if len(s.History) > maxHistory {
		s.History = slices.Delete(s.History, 0, len(s.History)-maxHistory)
	}
}

func cloudwatchHandlers() map[string]handler {
	return map[string]handler{
		"PutMetricAlarm":          cwOp(cwPutMetricAlarm),
		"DescribeAlarms":          cwOp(cwDescribeAlarms),
		"DescribeAlarmsForMetric": cwOp(cwDescribeAlarmsForMetric),
		"DescribeAlarmHistory":    cwOp(cwDescribeAlarmHistory),
		"DeleteAlarms":            cwOp(cwDeleteAlarms),
		"SetAlarmState":           cwOp(cwSetAlarmState),
		"EnableAlarmActions":      cwOp(cwEnableAlarmActions),
		"DisableAlarmActions":     cwOp(cwDisableAlarmActions),
		"TagResource":             cwOp(cwTagResource),
		"UntagResource":           cwOp(cwUntagResource),
		"ListTagsForResource":     cwOp(cwListTagsForResource),
		"GetMetricData":           cwOp(cwGetMetricData),
		"GetMetricStatistics":     cwOp(cwGetMetricStatistics),
		"ListMetrics":             cwOp(cwListMetrics),
	}
}

// cwOp is jsonOp for CloudWatch. Over JSON 1.0 (the AWS CLI) timestamps
// arrive as epoch seconds, which encoding/json cannot put in a time.Time,
// so they are rewritten as RFC 3339 first; CBOR carries real timestamps.
func cwOp[In any](f func(c *call, in *In) (any, error)) handler {
	inner := jsonOp(f)
	return func(c *call) (any, error) {
		if c.wire == protoJSON && len(c.body) > 0 {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(c.body, &m); err == nil {
				changed := false
				for _, k := range []string{"StartTime", "EndTime", "StartDate", "EndDate"} {
					var secs float64
					if raw, ok := m[k]; ok && json.Unmarshal(raw, &secs) == nil {
						sec, frac := math.Modf(secs)
						m[k], _ = json.Marshal(time.Unix(int64(sec), int64(frac*1e9)).UTC())
						changed = true
					}
				}
				if changed {
					c.body, _ = json.Marshal(m)
				}
			}
		}
		return inner(c)
	}
}

// cwQueryErrorCodes are the AWS query error codes of CloudWatch's error
// shapes. CloudWatch is "AWS query compatible": it sends the query code in
// X-Amzn-Query-Error, which clients in query-compatible mode (the AWS CLI)
// report instead of the shape name.
var cwQueryErrorCodes = map[string]string{
	"InvalidParameterValueException":       "InvalidParameterValue",
	"InvalidParameterCombinationException": "InvalidParameterCombination",
	"MissingRequiredParameterException":    "MissingParameter",
	"ResourceNotFound":                     "ResourceNotFound",
	"ResourceNotFoundException":            "ResourceNotFoundException",
	"InvalidNextToken":                     "InvalidNextToken",
	"LimitExceededFault":                   "LimitExceeded",
}

// CloudWatch errors carry the shape names the RPC v2 CBOR SDK maps to types.
func cwInvalid(format string, args ...any) *APIError {
	return errBadRequest("InvalidParameterValueException", format, args...)
}

func cwCombination(format string, args ...any) *APIError {
	return errBadRequest("InvalidParameterCombinationException", format, args...)
}

func cwMissing(name string) *APIError {
	return errBadRequest("MissingRequiredParameterException", "The parameter %s is required.", name)
}
