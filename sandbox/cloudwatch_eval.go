package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// healthSampleEvery is how often CloudWatch re-reads target health; the
// counts are a step function between samples.
const (
	healthSampleEvery = time.Second
	maxHealthSamples  = 2000
)

// alarmEvaluationEvery is how often AWS evaluates an alarm (every minute,
// whatever its period); the sandbox scales it by the speed factor, and the
// instant profile evaluates on the first tick a second or more later.
const alarmEvaluationEvery = time.Minute

// tick records target health and evaluates the alarms that are due. It
// stays cheap: health is sampled at most once a second, and an alarm is
// evaluated only when its next evaluation time has passed.
func (s *CWState) tick(r *Region, now time.Time, d durations) {
	s.ensure()
	r.SNS.ensure()
	if s.lastHealthCheck.IsZero() || now.Sub(s.lastHealthCheck) >= healthSampleEvery {
		s.lastHealthCheck = now
		s.sampleHealth(r, now)
	}
	var due []*Alarm
	for _, a := range s.Alarms {
		if !now.Before(a.NextEvaluation) {
			due = append(due, a)
		}
	}
	// In name order, so the ids of the notifications they publish do not
	// depend on map order: the same story gives the same world.
	slices.SortFunc(due, func(a, b *Alarm) int { return strings.Compare(a.Name, b.Name) })
	for _, a := range due {
		r.evaluate(now, d, a)
		// At least a second apart, so a burst of requests (instant
		// profile: every request is a tick) does not re-evaluate each time.
		a.NextEvaluation = now.Add(max(d.scale(alarmEvaluationEvery), time.Second))
	}
	if len(s.History) > 0 && now.Sub(s.History[0].Timestamp) > historyRetention {
		i := 0
		for i < len(s.History) && now.Sub(s.History[i].Timestamp) > historyRetention {
			i++
		}
		s.History = slices.Delete(s.History, 0, i)
	}
}

// sampleHealth appends a target group's counts when they changed, and
// forgets groups that no longer exist.
func (s *CWState) sampleHealth(r *Region, now time.Time) {
	live := map[string]bool{}
	for _, tg := range r.albTargetGroups() {
		live[tg.ARN] = true
		h, u := r.targetGroupHealthCounts(tg.ARN)
		samples := s.Health[tg.ARN]
		if n := len(samples); n > 0 && samples[n-1].Healthy == h && samples[n-1].Unhealthy == u {
			continue
		}
		samples = append(samples, healthSample{At: now, Healthy: h, Unhealthy: u})
		if len(samples) > maxHealthSamples {
			samples = slices.Delete(samples, 0, len(samples)-maxHealthSamples)
		}
		s.Health[tg.ARN] = samples
	}
	for arn := range s.Health {
		if !live[arn] {
			delete(s.Health, arn)
		}
	}
}

// datapoint is one period's statistic.
type datapoint struct {
	At    time.Time
	Value float64
	Count int
}

// evaluate decides an alarm's state from its metric, as AWS does: the last
// EvaluationPeriods complete periods (looking further back when the metric
// reports less often than the alarm's period), ALARM when at least
// DatapointsToAlarm of them breach, missing data treated as configured.
func (r *Region) evaluate(now time.Time, d durations, a *Alarm) {
	period := time.Duration(a.Period) * time.Second
	n := a.EvaluationPeriods
	m := a.DatapointsToAlarm
	if m == 0 {
		m = n
	}
	series, ok := r.seriesInUnit(now, a.Namespace, a.MetricName, dimMap(a.Dimensions), a.Unit)
	var points []datapoint
	if ok {
		span := n
		if series.step > period {
			span = n * int(math.Ceil(float64(series.step)/float64(period)))
		}
		end := now.Truncate(period) // the current period is not complete yet
		for k := 1; k <= span && len(points) < n; k++ {
			start := end.Add(-time.Duration(k) * period)
			if v, count, ok := periodStat(series, start, period, now, a.Statistic, a.ExtendedStatistic); ok {
				points = append(points, datapoint{start, v, count})
			}
		}
	}
	missing := n - len(points)
	breaching := 0
	for _, p := range points {
		if breaches(a.ComparisonOperator, p.Value, a.Threshold) {
			breaching++
		}
	}
	treat := a.TreatMissingData
	if treat == "" {
		treat = "missing"
	}
	if treat == "breaching" {
		breaching += missing
	}
	var state, reason string
	switch {
	case len(points) == 0 && treat == "missing":
		state, reason = stateInsufficient, fmt.Sprintf("Insufficient Data: %d datapoint%s %s unknown.", n, plural(n), wasWere(n))
	case len(points) == 0 && treat == "ignore":
		return
	case breaching >= m:
		state, reason = stateAlarm, thresholdReason(a, points, n, m, true)
	default:
		state, reason = stateOK, thresholdReason(a, points, n, m, false)
	}
	if len(points) == 0 && (treat == "notBreaching" || treat == "breaching") {
		as := map[string]string{"notBreaching": "NonBreaching", "breaching": "Breaching"}[treat]
		reason = fmt.Sprintf("Threshold Crossed: no datapoints were received for %d period%s and %d missing datapoint%s %s treated as [%s].", n, plural(n), n, plural(n), wasWere(n), as)
	}
	if state == a.StateValue {
		return
	}
	r.setAlarmState(r.w, now, d, a, state, reason, reasonData(a, now, period, points))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func breaches(op string, v, threshold float64) bool {
	switch op {
	case "GreaterThanThreshold":
		return v > threshold
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

// javaDouble formats a number as CloudWatch's reasons do: 3.0, 0.25.
func javaDouble(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// thresholdReason writes AWS's StateReason, e.g. "Threshold Crossed: 1
// datapoint [3.0 (23/11/26 10:05:00)] was greater than the threshold (0.0)."
func thresholdReason(a *Alarm, points []datapoint, n, m int, alarm bool) string {
	var vals []string
	for _, p := range points {
		vals = append(vals, fmt.Sprintf("%s (%s)", javaDouble(p.Value), p.At.UTC().Format("02/01/06 15:04:05")))
	}
	op := comparisonOperators[a.ComparisonOperator]
	if !alarm {
		op = "not " + op
	}
	if n == 1 && len(points) == 1 {
		return fmt.Sprintf("Threshold Crossed: 1 datapoint [%s] was %s the threshold (%s).", vals[0], op, javaDouble(a.Threshold))
	}
	transition := fmt.Sprintf("minimum %d datapoint%s for OK -> ALARM transition", m, plural(m))
	if !alarm {
		k := n - m + 1
		transition = fmt.Sprintf("minimum %d datapoint%s for ALARM -> OK transition", k, plural(k))
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints [%s] were %s the threshold (%s) (%s).",
		len(points), n, strings.Join(vals, ", "), op, javaDouble(a.Threshold), transition)
}

// awsJSONTime is the timestamp format inside StateReasonData and history.
func awsJSONTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000+0000") }

func reasonData(a *Alarm, now time.Time, period time.Duration, points []datapoint) string {
	type evaluated struct {
		Timestamp   string  `json:"timestamp"`
		SampleCount float64 `json:"sampleCount"`
		Value       float64 `json:"value"`
	}
	data := struct {
		Version             string      `json:"version"`
		QueryDate           string      `json:"queryDate"`
		StartDate           string      `json:"startDate,omitempty"`
		Statistic           string      `json:"statistic,omitempty"`
		Unit                string      `json:"unit,omitempty"`
		Period              int         `json:"period"`
		RecentDatapoints    []float64   `json:"recentDatapoints"`
		Threshold           float64     `json:"threshold"`
		EvaluatedDatapoints []evaluated `json:"evaluatedDatapoints,omitempty"`
	}{Version: "1.0", QueryDate: awsJSONTime(now), Statistic: a.Statistic, Unit: a.Unit, Period: a.Period, RecentDatapoints: []float64{}, Threshold: a.Threshold}
	if data.Statistic == "" {
		data.Statistic = a.ExtendedStatistic
	}
	for i := len(points) - 1; i >= 0; i-- {
		data.RecentDatapoints = append(data.RecentDatapoints, points[i].Value)
	}
	for _, p := range points {
		data.EvaluatedDatapoints = append(data.EvaluatedDatapoints, evaluated{awsJSONTime(p.At), float64(p.Count), p.Value})
	}
	if len(points) > 0 {
		data.StartDate = awsJSONTime(points[len(points)-1].At)
	}
	b, _ := json.Marshal(data)
	return string(b)
}

// setAlarmState moves an alarm to state, records the history item, and runs
// the actions for the new state (SNS topics get AWS's notification).
func (r *Region) setAlarmState(w *World, now time.Time, d durations, a *Alarm, state, reason, data string) {
	old, oldReason := a.StateValue, a.StateReason
	a.StateValue, a.StateReason, a.StateReasonData, a.StateUpdated = state, reason, data, now
	if old != state {
		a.StateTransitioned = now
	}
	type stateJSON struct {
		StateValue      string          `json:"stateValue"`
		StateReason     string          `json:"stateReason"`
		StateReasonData json.RawMessage `json:"stateReasonData,omitempty"`
	}
	hist := struct {
		Version  string    `json:"version"`
		OldState stateJSON `json:"oldState"`
		NewState stateJSON `json:"newState"`
	}{"1.0", stateJSON{StateValue: old, StateReason: oldReason}, stateJSON{StateValue: state, StateReason: reason}}
	if data != "" && json.Valid([]byte(data)) {
		hist.NewState.StateReasonData = json.RawMessage(data)
	}
	b, _ := json.Marshal(hist)
	r.CW.addHistory(AlarmHistoryItemData{AlarmName: a.Name, Type: "StateUpdate", Summary: fmt.Sprintf("Alarm updated from %s to %s", old, state), Data: string(b), Timestamp: now})
	if !a.ActionsEnabled {
		return
	}
	var actions []string
	switch state {
	case stateAlarm:
		actions = a.AlarmActions
	case stateOK:
		actions = a.OKActions
	case stateInsufficient:
		actions = a.InsufficientDataActions
	}
	for _, arn := range actions {
		r.runAlarmAction(w, now, d, a, old, arn)
	}
}

// regionTitles are the names AWS puts in alarm notifications.
var regionTitles = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
	"us-west-2": "US West (Oregon)", "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)", "eu-central-1": "EU (Frankfurt)",
	"ap-northeast-1": "Asia Pacific (Tokyo)", "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
}

func regionTitle(region string) string {
	if t, ok := regionTitles[region]; ok {
		return t
	}
	return region
}

// runAlarmAction runs one alarm action and records the Action history item:
// an SNS topic gets AWS's alarm notification; the EC2 terminate action
// (arn:aws:automate:REGION:ec2:terminate) terminates the instance the
// alarm watches. Auto Scaling policy actions are recorded only (Auto
// Scaling reads alarm states itself); other EC2 actions are reported as
// failed, since the sandbox does not perform them.
func (r *Region) runAlarmAction(w *World, now time.Time, d durations, a *Alarm, oldState, arn string) {
	summary := "Successfully executed action " + arn
	if strings.HasPrefix(arn, "arn:aws:sns:") {
		type trigger struct {
			MetricName         string      `json:"MetricName"`
			Namespace          string      `json:"Namespace"`
			StatisticType      string      `json:"StatisticType"`
			Statistic          string      `json:"Statistic"`
			Unit               any         `json:"Unit"`
			Dimensions         []Dimension `json:"Dimensions"`
			Period             int         `json:"Period"`
			EvaluationPeriods  int         `json:"EvaluationPeriods"`
			ComparisonOperator string      `json:"ComparisonOperator"`
			Threshold          float64     `json:"Threshold"`
			TreatMissingData   string      `json:"TreatMissingData"`
		}
		statType, stat := "Statistic", strings.ToUpper(a.Statistic)
		if a.ExtendedStatistic != "" {
			statType, stat = "ExtendedStatistic", a.ExtendedStatistic
		}
		msg := map[string]any{
			"AlarmName": a.Name, "AlarmDescription": a.Description, "AWSAccountId": AccountID,
			"AlarmConfigurationUpdatedTimestamp": awsJSONTime(a.ConfigUpdated),
			"NewStateValue":                      a.StateValue, "NewStateReason": a.StateReason, "StateChangeTime": awsJSONTime(now),
			"Region": regionTitle(r.Name), "AlarmArn": a.ARN, "OldStateValue": oldState,
			"OKActions": nonNilStrings(a.OKActions), "AlarmActions": nonNilStrings(a.AlarmActions), "InsufficientDataActions": nonNilStrings(a.InsufficientDataActions),
			"Trigger": trigger{a.MetricName, a.Namespace, statType, stat, nil, a.Dimensions, a.Period, a.EvaluationPeriods, a.ComparisonOperator, a.Threshold, a.TreatMissingData},
		}
		body, _ := json.Marshal(msg)
		subject := fmt.Sprintf("%s: %q in %s", a.StateValue, a.Name, regionTitle(r.Name))
		if len(subject) > 100 {
			subject = subject[:100]
		}
		if !r.cloudWatchMayUseTopicKey(arn) {
			summary = "Failed to execute action " + arn + ". Received error: \"CloudWatch Alarms does not have authorization to access the SNS topic encryption key.\""
		} else if _, ok := r.SNS.publish(w, now, arn, subject, string(body)); !ok {
			summary = "Failed to execute action " + arn + ". Received error: \"Topic does not exist\""
		}
	}
	if rest, ok := strings.CutPrefix(arn, "arn:aws:automate:"); ok {
		instanceID := dimMap(a.Dimensions)["InstanceId"]
		switch {
		case strings.HasSuffix(rest, ":ec2:terminate") && instanceID != "" && r.instance(instanceID) != nil:
			r.terminateInstance(now, d, instanceID)
		case strings.HasSuffix(rest, ":ec2:terminate"):
			summary = "Failed to execute action " + arn + ". Received error: \"The alarm does not watch an instance (InstanceId dimension)\""
		default:
			summary = "Failed to execute action " + arn + ". Received error: \"The sandbox does not perform this EC2 action\""
		}
	}
	actionState := "Succeeded"
	if strings.HasPrefix(summary, "Failed") {
		actionState = "Failed"
	}
	data, _ := json.Marshal(map[string]any{"actionState": actionState, "notificationResource": arn, "stateUpdateTimestamp": now.UnixMilli()})
	r.CW.addHistory(AlarmHistoryItemData{AlarmName: a.Name, Type: "Action", Summary: summary, Data: string(data), Timestamp: now})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
