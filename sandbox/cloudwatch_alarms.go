package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Alarm operations: PutMetricAlarm and its validation, alarms other
// services own, DescribeAlarms, history, deletion, forced states and tags.

type cwTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type putMetricAlarmIn struct {
	AlarmName               string      `json:"AlarmName"`
	AlarmDescription        string      `json:"AlarmDescription"`
	ActionsEnabled          *bool       `json:"ActionsEnabled"`
	OKActions               []string    `json:"OKActions"`
	AlarmActions            []string    `json:"AlarmActions"`
	InsufficientDataActions []string    `json:"InsufficientDataActions"`
	MetricName              string      `json:"MetricName"`
	Namespace               string      `json:"Namespace"`
	Statistic               string      `json:"Statistic"`
	ExtendedStatistic       string      `json:"ExtendedStatistic"`
	Dimensions              []Dimension `json:"Dimensions"`
	Period                  *int        `json:"Period"`
	Unit                    string      `json:"Unit"`
	EvaluationPeriods       *int        `json:"EvaluationPeriods"`
	DatapointsToAlarm       *int        `json:"DatapointsToAlarm"`
	Threshold               *float64    `json:"Threshold"`
	ComparisonOperator      string      `json:"ComparisonOperator"`
	TreatMissingData        string      `json:"TreatMissingData"`
	Metrics                 []any       `json:"Metrics"`
	ThresholdMetricID       string      `json:"ThresholdMetricId"`
	Tags                    []cwTag     `json:"Tags"`
}

var (
	statistics          = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
	comparisonOperators = map[string]string{
		"GreaterThanThreshold":          "greater than",
		"GreaterThanOrEqualToThreshold": "greater than or equal to",
		"LessThanThreshold":             "less than",
		"LessThanOrEqualToThreshold":    "less than or equal to",
	}
	treatMissing  = []string{"missing", "ignore", "breaching", "notBreaching"}
	percentileRE  = regexp.MustCompile(`^p(\d{1,2}(\.\d{1,2})?|100)$`)
	actionARNRE   = regexp.MustCompile(`^arn:aws:(sns|autoscaling|automate|ssm|ssm-incidents|lambda):[a-z0-9-]*:`)
	metricQueryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)
)

// validPeriod reports whether CloudWatch accepts p seconds as a period:
// 10, 20 or 30 (high resolution) or a multiple of 60.
func validPeriod(p int) bool { return p == 10 || p == 20 || p == 30 || p > 0 && p%60 == 0 }

// alarmFromInput validates PutMetricAlarm's input as CloudWatch does.
func alarmFromInput(region string, in *putMetricAlarmIn) (*Alarm, error) {
	switch {
	case in.AlarmName == "":
		return nil, cwMissing("AlarmName")
	case len(in.AlarmName) > 255:
		return nil, cwInvalid("The parameter AlarmName must be 255 characters or fewer.")
	case in.EvaluationPeriods == nil:
		return nil, cwMissing("EvaluationPeriods")
	case in.ComparisonOperator == "":
		return nil, cwMissing("ComparisonOperator")
	case len(in.Metrics) > 0 || in.ThresholdMetricID != "":
		return nil, cwInvalid("The sandbox evaluates alarms on a single metric only; metric math and anomaly detection alarms are not supported.")
	case in.MetricName == "" || in.Namespace == "":
		return nil, cwMissing("MetricName and Namespace")
	case in.Period == nil:
		return nil, cwMissing("Period")
	case in.Threshold == nil:
		return nil, cwMissing("Threshold")
	}
	if comparisonOperators[in.ComparisonOperator] == "" {
		return nil, cwInvalid("The parameter ComparisonOperator must be one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold (anomaly detection operators need ThresholdMetricId).")
	}
	if (in.Statistic == "") == (in.ExtendedStatistic == "") {
		return nil, cwCombination("Exactly one element of the Statistic and ExtendedStatistic parameters must be specified.")
	}
	if in.Statistic != "" && !slices.Contains(statistics, in.Statistic) {
		return nil, cwInvalid("The parameter Statistic must be one of SampleCount, Average, Sum, Minimum, Maximum.")
	}
	if in.ExtendedStatistic != "" && !percentileRE.MatchString(in.ExtendedStatistic) {
		return nil, cwInvalid("The value %s for parameter ExtendedStatistic is not supported.", in.ExtendedStatistic)
	}
	period, evals := *in.Period, *in.EvaluationPeriods
	if !validPeriod(period) {
		return nil, cwInvalid("The parameter Period must be 10, 20, 30, or a multiple of 60.")
	}
	if evals < 1 {
		return nil, cwInvalid("The parameter EvaluationPeriods must be greater than or equal to 1.")
	}
	if period*evals > 7*24*3600 {
		return nil, cwInvalid("The evaluation period (Period * EvaluationPeriods) cannot exceed 7 days.")
	}
	m := evals
	if in.DatapointsToAlarm != nil {
		m = *in.DatapointsToAlarm
		if m < 1 || m > evals {
			return nil, cwInvalid("DatapointsToAlarm must be greater than 0 and less than or equal to EvaluationPeriods.")
		}
	}
	if in.TreatMissingData != "" && !slices.Contains(treatMissing, in.TreatMissingData) {
		return nil, cwInvalid("The parameter TreatMissingData must be one of missing, ignore, breaching, notBreaching.")
	}
	if len(in.Dimensions) > 30 {
		return nil, cwInvalid("The collection Dimensions must not have a size greater than 30.")
	}
	for i, d := range in.Dimensions {
		if d.Name == "" || d.Value == "" {
			return nil, cwInvalid("The parameter Dimensions.member.%d must have a Name and a Value.", i+1)
		}
	}
	for _, list := range [][]string{in.AlarmActions, in.OKActions, in.InsufficientDataActions} {
		if len(list) > 5 {
			return nil, cwInvalid("The collection of alarm actions must not have a size greater than 5.")
		}
		for _, arn := range list {
			if !actionARNRE.MatchString(arn) {
				return nil, cwInvalid("Invalid arn syntax: %s", arn)
			}
		}
	}
	a := &Alarm{
		Name: in.AlarmName, ARN: alarmARN(region, in.AlarmName), Description: in.AlarmDescription,
		Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: in.Dimensions,
		Statistic: in.Statistic, ExtendedStatistic: in.ExtendedStatistic, Unit: in.Unit,
		Period: period, EvaluationPeriods: evals, Threshold: *in.Threshold,
		ComparisonOperator: in.ComparisonOperator, TreatMissingData: in.TreatMissingData,
		ActionsEnabled: in.ActionsEnabled == nil || *in.ActionsEnabled,
		AlarmActions:   in.AlarmActions, OKActions: in.OKActions, InsufficientDataActions: in.InsufficientDataActions,
	}
	if in.DatapointsToAlarm != nil {
		a.DatapointsToAlarm = m
	}
	return a, nil
}

// putAlarm stores a new or updated alarm. An update keeps the alarm's state
// and tags (AWS ignores Tags on update) and records a ConfigurationUpdate.
func (s *CWState) putAlarm(now time.Time, a *Alarm) {
	kind, summary := "Create", fmt.Sprintf("Alarm %q created", a.Name)
	if old := s.Alarms[a.Name]; old != nil {
		kind, summary = "Update", fmt.Sprintf("Alarm %q updated", a.Name)
		a.StateValue, a.StateReason, a.StateReasonData = old.StateValue, old.StateReason, old.StateReasonData
		a.StateUpdated, a.StateTransitioned, a.Tags = old.StateUpdated, old.StateTransitioned, old.Tags
		a.Managed = a.Managed || old.Managed
	} else {
		a.StateValue, a.StateReason = stateInsufficient, "Unchecked: Initial alarm creation"
		a.StateUpdated, a.StateTransitioned = now, now
	}
	a.ConfigUpdated, a.NextEvaluation = now, now
	s.Alarms[a.Name] = a
	cfg, _ := json.Marshal(alarmOut(a))
	key := map[string]string{"Create": "createdAlarm", "Update": "updatedAlarm"}[kind]
	data := fmt.Sprintf(`{"type":%q,"version":"1.0",%q:%s}`, kind, key, cfg)
	s.addHistory(AlarmHistoryItemData{AlarmName: a.Name, Type: "ConfigurationUpdate", Summary: summary, Data: data, Timestamp: now})
}

func cwPutMetricAlarm(c *call, in *putMetricAlarmIn) (any, error) {
	a, err := alarmFromInput(c.region, in)
	if err != nil {
		return nil, err
	}
	if c.r.CW.Alarms[a.Name] == nil {
		for _, t := range in.Tags {
			a.Tags = append(a.Tags, Tag{Key: t.Key, Value: t.Value})
		}
	}
	c.r.CW.putAlarm(c.now, a)
	return nil, nil
}

// ManagedAlarm is an alarm another AWS service creates and owns, such as the
// AlarmHigh and AlarmLow alarms of a target tracking scaling policy.
type ManagedAlarm struct {
	Name               string
	Namespace          string
	MetricName         string
	Dimensions         map[string]string
	Statistic          string
	Period             int // seconds
	EvaluationPeriods  int
	DatapointsToAlarm  int // 0 means EvaluationPeriods
	Threshold          float64
	ComparisonOperator string
	Description        string
	AlarmActions       []string // e.g. the scaling policy's ARN
}

// putManagedAlarm creates or updates an AWS-owned alarm (target tracking's
// TargetTracking-<group>-AlarmHigh-<uuid> and -AlarmLow-<uuid>). It is
// evaluated like any other alarm; deleteAlarms removes it with its policy.
func (r *Region) putManagedAlarm(now time.Time, m ManagedAlarm) {
	r.CW.ensure()
	a := &Alarm{Name: m.Name, ARN: alarmARN(r.Name, m.Name), Description: m.Description, Namespace: m.Namespace, MetricName: m.MetricName,
		Statistic: m.Statistic, Period: m.Period, EvaluationPeriods: m.EvaluationPeriods, DatapointsToAlarm: m.DatapointsToAlarm,
		Threshold: m.Threshold, ComparisonOperator: m.ComparisonOperator, ActionsEnabled: true, AlarmActions: m.AlarmActions, Managed: true}
	for _, k := range slices.Sorted(maps.Keys(m.Dimensions)) {
		a.Dimensions = append(a.Dimensions, Dimension{k, m.Dimensions[k]})
	}
	r.CW.putAlarm(now, a)
}

// deleteAlarms removes alarms by name; unknown names are ignored.
func (r *Region) deleteAlarms(names ...string) {
	for _, n := range names {
		delete(r.CW.Alarms, n)
	}
}

// metricAlarmOut is MetricAlarm on the wire.
type metricAlarmOut struct {
	AlarmName                          string      `json:"AlarmName"`
	AlarmArn                           string      `json:"AlarmArn"`
	AlarmDescription                   string      `json:"AlarmDescription,omitempty"`
	AlarmConfigurationUpdatedTimestamp *time.Time  `json:"AlarmConfigurationUpdatedTimestamp,omitempty"`
	ActionsEnabled                     bool        `json:"ActionsEnabled"`
	OKActions                          []string    `json:"OKActions"`
	AlarmActions                       []string    `json:"AlarmActions"`
	InsufficientDataActions            []string    `json:"InsufficientDataActions"`
	StateValue                         string      `json:"StateValue"`
	StateReason                        string      `json:"StateReason"`
	StateReasonData                    string      `json:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              *time.Time  `json:"StateUpdatedTimestamp,omitempty"`
	StateTransitionedTimestamp         *time.Time  `json:"StateTransitionedTimestamp,omitempty"`
	MetricName                         string      `json:"MetricName"`
	Namespace                          string      `json:"Namespace"`
	Statistic                          string      `json:"Statistic,omitempty"`
	ExtendedStatistic                  string      `json:"ExtendedStatistic,omitempty"`
	Dimensions                         []Dimension `json:"Dimensions"`
	Period                             int         `json:"Period"`
	Unit                               string      `json:"Unit,omitempty"`
	EvaluationPeriods                  int         `json:"EvaluationPeriods"`
	DatapointsToAlarm                  int         `json:"DatapointsToAlarm,omitempty"`
	Threshold                          float64     `json:"Threshold"`
	ComparisonOperator                 string      `json:"ComparisonOperator"`
	TreatMissingData                   string      `json:"TreatMissingData,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func alarmOut(a *Alarm) metricAlarmOut {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	dims := a.Dimensions
	if dims == nil {
		dims = []Dimension{}
	}
	return metricAlarmOut{
		AlarmName: a.Name, AlarmArn: a.ARN, AlarmDescription: a.Description,
		AlarmConfigurationUpdatedTimestamp: timePtr(a.ConfigUpdated), ActionsEnabled: a.ActionsEnabled,
		OKActions: nonNil(a.OKActions), AlarmActions: nonNil(a.AlarmActions), InsufficientDataActions: nonNil(a.InsufficientDataActions),
		StateValue: a.StateValue, StateReason: a.StateReason, StateReasonData: a.StateReasonData,
		StateUpdatedTimestamp: timePtr(a.StateUpdated), StateTransitionedTimestamp: timePtr(a.StateTransitioned),
		MetricName: a.MetricName, Namespace: a.Namespace, Statistic: a.Statistic, ExtendedStatistic: a.ExtendedStatistic,
		Dimensions: dims, Period: a.Period, Unit: a.Unit, EvaluationPeriods: a.EvaluationPeriods, DatapointsToAlarm: a.DatapointsToAlarm,
		Threshold: a.Threshold, ComparisonOperator: a.ComparisonOperator, TreatMissingData: a.TreatMissingData,
	}
}

// cwPage cuts a page from n sorted items with an opaque offset token.
func cwPage(token string, maxRecords *int, def, limit, n int) (start, end int, next string, err error) {
	size := def
	if maxRecords != nil {
		size = *maxRecords
		if size < 1 || size > limit {
			return 0, 0, "", cwInvalid("The parameter MaxRecords must be between 1 and %d.", limit)
		}
	}
	if token != "" {
		start, err = strconv.Atoi(token)
		if err != nil || start < 0 || start > n {
			return 0, 0, "", errBadRequest("InvalidNextToken", "The service couldn't process your request because the NextToken is not valid.")
		}
	}
	end = min(start+size, n)
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next, nil
}

type describeAlarmsIn struct {
	AlarmNames      []string `json:"AlarmNames"`
	AlarmNamePrefix string   `json:"AlarmNamePrefix"`
	AlarmTypes      []string `json:"AlarmTypes"`
	StateValue      string   `json:"StateValue"`
	ActionPrefix    string   `json:"ActionPrefix"`
	MaxRecords      *int     `json:"MaxRecords"`
	NextToken       string   `json:"NextToken"`
}

func cwDescribeAlarms(c *call, in *describeAlarmsIn) (any, error) {
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		return nil, cwCombination("AlarmNamePrefix and AlarmNames cannot be specified together.")
	}
	if len(in.AlarmNames) > 100 {
		return nil, cwInvalid("The collection AlarmNames must not have a size greater than 100.")
	}
	if in.StateValue != "" && in.StateValue != stateOK && in.StateValue != stateAlarm && in.StateValue != stateInsufficient {
		return nil, cwInvalid("The parameter StateValue must be one of OK, ALARM, INSUFFICIENT_DATA.")
	}
	wantMetric := len(in.AlarmTypes) == 0 || slices.Contains(in.AlarmTypes, "MetricAlarm")
	var alarms []*Alarm
	for _, a := range c.r.CW.Alarms {
		switch {
		case !wantMetric,
			len(in.AlarmNames) > 0 && !slices.Contains(in.AlarmNames, a.Name),
			!strings.HasPrefix(a.Name, in.AlarmNamePrefix),
			in.StateValue != "" && a.StateValue != in.StateValue,
			in.ActionPrefix != "" && !slices.ContainsFunc(slices.Concat(a.AlarmActions, a.OKActions, a.InsufficientDataActions), func(s string) bool { return strings.HasPrefix(s, in.ActionPrefix) }):
			continue
		}
		alarms = append(alarms, a)
	}
	sort.Slice(alarms, func(i, j int) bool { return alarms[i].Name < alarms[j].Name })
	start, end, next, err := cwPage(in.NextToken, in.MaxRecords, 50, 100, len(alarms))
	if err != nil {
		return nil, err
	}
	out := struct {
		MetricAlarms    []metricAlarmOut `json:"MetricAlarms"`
		CompositeAlarms []any            `json:"CompositeAlarms"`
		NextToken       string           `json:"NextToken,omitempty"`
	}{MetricAlarms: []metricAlarmOut{}, CompositeAlarms: []any{}, NextToken: next}
	for _, a := range alarms[start:end] {
		out.MetricAlarms = append(out.MetricAlarms, alarmOut(a))
	}
	return out, nil
}

type describeAlarmsForMetricIn struct {
	MetricName        string      `json:"MetricName"`
	Namespace         string      `json:"Namespace"`
	Statistic         string      `json:"Statistic"`
	ExtendedStatistic string      `json:"ExtendedStatistic"`
	Dimensions        []Dimension `json:"Dimensions"`
	Period            int         `json:"Period"`
}

func cwDescribeAlarmsForMetric(c *call, in *describeAlarmsForMetricIn) (any, error) {
	var alarms []*Alarm
	for _, a := range c.r.CW.Alarms {
		if a.MetricName != in.MetricName || a.Namespace != in.Namespace ||
			in.Statistic != "" && a.Statistic != in.Statistic || in.ExtendedStatistic != "" && a.ExtendedStatistic != in.ExtendedStatistic ||
			in.Period != 0 && a.Period != in.Period || len(in.Dimensions) > 0 && !sameDimensions(a.Dimensions, in.Dimensions) {
			continue
		}
		alarms = append(alarms, a)
	}
	sort.Slice(alarms, func(i, j int) bool { return alarms[i].Name < alarms[j].Name })
	out := struct {
		MetricAlarms []metricAlarmOut `json:"MetricAlarms"`
	}{MetricAlarms: []metricAlarmOut{}}
	for _, a := range alarms {
		out.MetricAlarms = append(out.MetricAlarms, alarmOut(a))
	}
	return out, nil
}

func sameDimensions(a, b []Dimension) bool {
	if len(a) != len(b) {
		return false
	}
	return maps.Equal(dimMap(a), dimMap(b))
}

func dimMap(dims []Dimension) map[string]string {
	m := make(map[string]string, len(dims))
	for _, d := range dims {
		m[d.Name] = d.Value
	}
	return m
}

type describeAlarmHistoryIn struct {
	AlarmName       string     `json:"AlarmName"`
	AlarmTypes      []string   `json:"AlarmTypes"`
	HistoryItemType string     `json:"HistoryItemType"`
	StartDate       *time.Time `json:"StartDate"`
	EndDate         *time.Time `json:"EndDate"`
	MaxRecords      *int       `json:"MaxRecords"`
	NextToken       string     `json:"NextToken"`
	ScanBy          string     `json:"ScanBy"`
}

func cwDescribeAlarmHistory(c *call, in *describeAlarmHistoryIn) (any, error) {
	switch in.HistoryItemType {
	case "", "StateUpdate", "ConfigurationUpdate", "Action", "AlarmContributorStateUpdate", "AlarmContributorAction":
	default:
		return nil, cwInvalid("The parameter HistoryItemType must be one of ConfigurationUpdate, StateUpdate, Action.")
	}
	var items []AlarmHistoryItemData
	for _, h := range c.r.CW.History {
		if in.AlarmName != "" && h.AlarmName != in.AlarmName || in.HistoryItemType != "" && h.Type != in.HistoryItemType ||
			in.StartDate != nil && h.Timestamp.Before(*in.StartDate) || in.EndDate != nil && h.Timestamp.After(*in.EndDate) ||
			c.now.Sub(h.Timestamp) > historyRetention {
			continue
		}
		items = append(items, h)
	}
	if in.ScanBy != "TimestampAscending" {
		slices.Reverse(items) // newest first, AWS's default
	}
	start, end, next, err := cwPage(in.NextToken, in.MaxRecords, 100, 100, len(items))
	if err != nil {
		return nil, err
	}
	type itemOut struct {
		AlarmName       string     `json:"AlarmName"`
		AlarmType       string     `json:"AlarmType"`
		Timestamp       *time.Time `json:"Timestamp"`
		HistoryItemType string     `json:"HistoryItemType"`
		HistorySummary  string     `json:"HistorySummary"`
		HistoryData     string     `json:"HistoryData"`
	}
	out := struct {
		AlarmHistoryItems []itemOut `json:"AlarmHistoryItems"`
		NextToken         string    `json:"NextToken,omitempty"`
	}{AlarmHistoryItems: []itemOut{}, NextToken: next}
	for _, h := range items[start:end] {
		out.AlarmHistoryItems = append(out.AlarmHistoryItems, itemOut{h.AlarmName, "MetricAlarm", timePtr(h.Timestamp), h.Type, h.Summary, h.Data})
	}
	return out, nil
}

type alarmNamesIn struct {
	AlarmNames []string `json:"AlarmNames"`
}

func cwDeleteAlarms(c *call, in *alarmNamesIn) (any, error) {
	var missing []string
	for _, n := range in.AlarmNames {
		if c.r.CW.Alarms[n] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, errNotFound("ResourceNotFound", "Could not find alarm(s): [%s]", strings.Join(missing, ", "))
	}
	c.r.deleteAlarms(in.AlarmNames...)
	return nil, nil
}

func setActionsEnabled(c *call, names []string, enabled bool) (any, error) {
	for _, n := range names {
		if a := c.r.CW.Alarms[n]; a != nil {
			a.ActionsEnabled = enabled
		}
	}
	return nil, nil
}

func cwEnableAlarmActions(c *call, in *alarmNamesIn) (any, error) {
	return setActionsEnabled(c, in.AlarmNames, true)
}

func cwDisableAlarmActions(c *call, in *alarmNamesIn) (any, error) {
	return setActionsEnabled(c, in.AlarmNames, false)
}

type setAlarmStateIn struct {
	AlarmName       string `json:"AlarmName"`
	StateValue      string `json:"StateValue"`
	StateReason     string `json:"StateReason"`
	StateReasonData string `json:"StateReasonData"`
}

// cwSetAlarmState forces a state, as for testing actions; the next
// evaluation moves the alarm back to what its metric says.
func cwSetAlarmState(c *call, in *setAlarmStateIn) (any, error) {
	a := c.r.CW.Alarms[in.AlarmName]
	if a == nil {
		return nil, errNotFound("ResourceNotFound", "Alarm %s does not exist.", in.AlarmName)
	}
	if in.StateValue != stateOK && in.StateValue != stateAlarm && in.StateValue != stateInsufficient {
		return nil, cwInvalid("The parameter StateValue must be one of OK, ALARM, INSUFFICIENT_DATA.")
	}
	if in.StateReasonData != "" && !json.Valid([]byte(in.StateReasonData)) {
		return nil, cwInvalid("The parameter StateReasonData must be valid JSON.")
	}
	c.r.setAlarmState(c.w, c.now, c.d, a, in.StateValue, in.StateReason, in.StateReasonData)
	a.NextEvaluation = c.now.Add(time.Duration(a.Period) * time.Second)
	return nil, nil
}

type tagResourceIn struct {
	ResourceARN string   `json:"ResourceARN"`
	Tags        []cwTag  `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
}

func (c *call) alarmByARN(arn string) (*Alarm, error) {
	for _, a := range c.r.CW.Alarms {
		if a.ARN == arn {
			return a, nil
		}
	}
	return nil, errNotFound("ResourceNotFoundException", "The specified resource does not exist: %s", arn)
}

func cwTagResource(c *call, in *tagResourceIn) (any, error) {
	a, err := c.alarmByARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		a.Tags = append(removeTag(a.Tags, t.Key), Tag{Key: t.Key, Value: t.Value})
	}
	return nil, nil
}

func cwUntagResource(c *call, in *tagResourceIn) (any, error) {
	a, err := c.alarmByARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		a.Tags = removeTag(a.Tags, k)
	}
	return nil, nil
}

func cwListTagsForResource(c *call, in *tagResourceIn) (any, error) {
	a, err := c.alarmByARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags []cwTag `json:"Tags"`
	}{Tags: []cwTag{}}
	for _, t := range a.Tags {
		out.Tags = append(out.Tags, cwTag{t.Key, t.Value})
	}
	return out, nil
}

// alarmARN is an alarm's ARN: arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME.
func alarmARN(region, name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, AccountID, name)
}
