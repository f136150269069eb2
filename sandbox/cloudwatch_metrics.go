package sandbox

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// seriesInUnit is series restricted to a unit, as CloudWatch filters data
// by the Unit a query or alarm names: a metric published in Percent has no
// data in Seconds, so an alarm with the wrong unit stays INSUFFICIENT_DATA.
func (r *Region) seriesInUnit(now time.Time, namespace, name string, dims map[string]string, unit string) (metricSeries, bool) {
	series, ok := r.series(now, namespace, name, dims)
	if !ok || unit != "" && unit != series.unit {
		return metricSeries{}, false
	}
	return series, true
}

// periodStat computes a statistic over the samples of series that fall in
// [start, start+period) and are not in the future. count is the number of
// samples; ok is false when there are none.
func periodStat(series metricSeries, start time.Time, period time.Duration, now time.Time, stat, extended string) (v float64, count int, ok bool) {
	vals := periodSamples(series, start, period, now)
	if len(vals) == 0 {
		return 0, 0, false
	}
	if extended != "" {
		stat = extended
	}
	v, ok = statOf(vals, stat)
	return v, len(vals), ok
}

func periodSamples(series metricSeries, start time.Time, period time.Duration, now time.Time) []float64 {
	first := start.Truncate(series.step)
	if first.Before(start) {
		first = first.Add(series.step)
	}
	var vals []float64
	for t := first; t.Before(start.Add(period)) && !t.After(now); t = t.Add(series.step) {
		if v, ok := series.at(t); ok {
			vals = append(vals, v)
		}
	}
	return vals
}

// statOf applies a CloudWatch statistic (Average, Sum, Minimum, Maximum,
// SampleCount, pNN) to samples.
func statOf(vals []float64, stat string) (float64, bool) {
	switch stat {
	case "Average":
		sum := 0.0
		for _, v := range vals {
			sum += v
		}
		return sum / float64(len(vals)), true
	case "Sum":
		sum := 0.0
		for _, v := range vals {
			sum += v
		}
		return sum, true
	case "Minimum":
		return slices.Min(vals), true
	case "Maximum":
		return slices.Max(vals), true
	case "SampleCount":
		return float64(len(vals)), true
	}
	if percentileRE.MatchString(stat) {
		p, _ := strconv.ParseFloat(stat[1:], 64)
		sorted := slices.Sorted(slices.Values(vals))
		i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
		return sorted[max(0, min(i, len(sorted)-1))], true
	}
	return 0, false
}

// validStat reports whether GetMetricData accepts a Stat.
func validStat(s string) bool { return slices.Contains(statistics, s) || percentileRE.MatchString(s) }

// validQueryPeriod: GetMetricData also takes 1 and 5 second periods.
func validQueryPeriod(p int) bool { return p == 1 || p == 5 || validPeriod(p) }

type metricIn struct {
	Namespace  string      `json:"Namespace"`
	MetricName string      `json:"MetricName"`
	Dimensions []Dimension `json:"Dimensions"`
}

type getMetricDataIn struct {
	MetricDataQueries []struct {
		ID         string `json:"Id"`
		Label      string `json:"Label"`
		Expression string `json:"Expression"`
		Period     *int   `json:"Period"`
		ReturnData *bool  `json:"ReturnData"`
		MetricStat *struct {
			Metric metricIn `json:"Metric"`
			Period int      `json:"Period"`
			Stat   string   `json:"Stat"`
			Unit   string   `json:"Unit"`
		} `json:"MetricStat"`
	} `json:"MetricDataQueries"`
	StartTime     time.Time `json:"StartTime"`
	EndTime       time.Time `json:"EndTime"`
	ScanBy        string    `json:"ScanBy"`
	MaxDatapoints *int      `json:"MaxDatapoints"`
	NextToken     string    `json:"NextToken"`
}

type metricDataResult struct {
	ID         string      `json:"Id"`
	Label      string      `json:"Label"`
	Timestamps []time.Time `json:"Timestamps"`
	Values     []float64   `json:"Values"`
	StatusCode string      `json:"StatusCode"`
	Messages   []any       `json:"Messages"`
}

func cwGetMetricData(c *call, in *getMetricDataIn) (any, error) {
	q := in.MetricDataQueries
	switch {
	case len(q) == 0:
		return nil, cwMissing("MetricDataQueries")
	case len(q) > 500:
		return nil, cwInvalid("The collection MetricDataQueries must not have a size greater than 500.")
	case in.StartTime.IsZero() || in.EndTime.IsZero():
		return nil, cwMissing("StartTime and EndTime")
	case !in.StartTime.Before(in.EndTime):
		return nil, cwInvalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	ids := map[string]bool{}
	for i, query := range q {
		if !metricQueryID.MatchString(query.ID) {
			return nil, cwInvalid("The value %s for parameter MetricDataQueries.member.%d.Id is not valid.", query.ID, i+1)
		}
		if ids[query.ID] {
			return nil, cwInvalid("The values for parameter id in MetricDataQueries are not unique.")
		}
		ids[query.ID] = true
		if query.Expression != "" {
			return nil, cwInvalid("The sandbox does not evaluate metric math; query %s has an Expression.", query.ID)
		}
		if query.MetricStat == nil {
			return nil, cwInvalid("Exactly one of MetricStat and Expression must be specified for query %s.", query.ID)
		}
		if !validQueryPeriod(query.MetricStat.Period) {
			return nil, cwInvalid("The parameter MetricDataQueries.member.%d.MetricStat.Period must be 1, 5, 10, 20, 30, or a multiple of 60.", i+1)
		}
		if !validStat(query.MetricStat.Stat) {
			return nil, cwInvalid("The parameter MetricDataQueries.member.%d.MetricStat.Stat must be a valid statistic.", i+1)
		}
	}
	out := struct {
		MetricDataResults []metricDataResult `json:"MetricDataResults"`
		Messages          []any              `json:"Messages"`
	}{MetricDataResults: []metricDataResult{}, Messages: []any{}}
	for _, query := range q {
		if query.ReturnData != nil && !*query.ReturnData {
			continue
		}
		ms := query.MetricStat
		res := metricDataResult{ID: query.ID, Label: query.Label, Timestamps: []time.Time{}, Values: []float64{}, StatusCode: "Complete", Messages: []any{}}
		if res.Label == "" {
			res.Label = ms.Metric.MetricName
		}
		period := time.Duration(ms.Period) * time.Second
		if series, ok := c.r.seriesInUnit(c.now, ms.Metric.Namespace, ms.Metric.MetricName, dimMap(ms.Metric.Dimensions), ms.Unit); ok {
			for t := in.StartTime.Truncate(period); t.Before(in.EndTime) && !t.After(c.now); t = t.Add(period) {
				if v, _, ok := periodStat(series, t, period, c.now, ms.Stat, ""); ok {
					res.Timestamps = append(res.Timestamps, t.UTC())
					res.Values = append(res.Values, v)
				}
			}
		}
		if in.ScanBy != "TimestampAscending" {
			slices.Reverse(res.Timestamps)
			slices.Reverse(res.Values)
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return out, nil
}

type getMetricStatisticsIn struct {
	metricIn
	StartTime          time.Time `json:"StartTime"`
	EndTime            time.Time `json:"EndTime"`
	Period             int       `json:"Period"`
	Statistics         []string  `json:"Statistics"`
	ExtendedStatistics []string  `json:"ExtendedStatistics"`
	Unit               string    `json:"Unit"`
}

type datapointOut struct {
	Timestamp          time.Time          `json:"Timestamp"`
	SampleCount        *float64           `json:"SampleCount,omitempty"`
	Average            *float64           `json:"Average,omitempty"`
	Sum                *float64           `json:"Sum,omitempty"`
	Minimum            *float64           `json:"Minimum,omitempty"`
	Maximum            *float64           `json:"Maximum,omitempty"`
	Unit               string             `json:"Unit,omitempty"`
	ExtendedStatistics map[string]float64 `json:"ExtendedStatistics,omitempty"`
}

func cwGetMetricStatistics(c *call, in *getMetricStatisticsIn) (any, error) {
	switch {
	case in.Namespace == "" || in.MetricName == "":
		return nil, cwMissing("Namespace and MetricName")
	case len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0:
		return nil, cwCombination("Must specify either Statistics or ExtendedStatistics, but not both.")
	case !validQueryPeriod(in.Period):
		return nil, cwInvalid("The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.")
	case !in.StartTime.Before(in.EndTime):
		return nil, cwInvalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	for _, s := range in.Statistics {
		if !slices.Contains(statistics, s) {
			return nil, cwInvalid("The parameter Statistics.member must be one of SampleCount, Average, Sum, Minimum, Maximum.")
		}
	}
	for _, s := range in.ExtendedStatistics {
		if !percentileRE.MatchString(s) {
			return nil, cwInvalid("The value %s for parameter ExtendedStatistics is not supported.", s)
		}
	}
	period := time.Duration(in.Period) * time.Second
	if n := int(in.EndTime.Sub(in.StartTime) / period); n > 1440 {
		return nil, cwCombination("You have requested up to %d datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n)
	}
	out := struct {
		Label      string         `json:"Label"`
		Datapoints []datapointOut `json:"Datapoints"`
	}{Label: in.MetricName, Datapoints: []datapointOut{}}
	series, ok := c.r.seriesInUnit(c.now, in.Namespace, in.MetricName, dimMap(in.Dimensions), in.Unit)
	if !ok {
		return out, nil
	}
	for t := in.StartTime.Truncate(period); t.Before(in.EndTime) && !t.After(c.now); t = t.Add(period) {
		vals := periodSamples(series, t, period, c.now)
		if len(vals) == 0 {
			continue
		}
		dp := datapointOut{Timestamp: t.UTC(), Unit: series.unit}
		for _, s := range in.Statistics {
			v, _ := statOf(vals, s)
			switch s {
			case "SampleCount":
				dp.SampleCount = &v
			case "Average":
				dp.Average = &v
			case "Sum":
				dp.Sum = &v
			case "Minimum":
				dp.Minimum = &v
			case "Maximum":
				dp.Maximum = &v
			}
		}
		for _, s := range in.ExtendedStatistics {
			if dp.ExtendedStatistics == nil {
				dp.ExtendedStatistics = map[string]float64{}
			}
			dp.ExtendedStatistics[s], _ = statOf(vals, s)
		}
		out.Datapoints = append(out.Datapoints, dp)
	}
	return out, nil
}

// metricRef is a metric ListMetrics reports.
type metricRef struct {
	Namespace  string      `json:"Namespace"`
	MetricName string      `json:"MetricName"`
	Dimensions []Dimension `json:"Dimensions"`
}

// metricRetention is how long ListMetrics still shows a metric of a
// resource that is gone (AWS: two weeks without new data).
const metricRetention = 14 * 24 * time.Hour

// listMetrics enumerates the metrics of the region's resources.
func (r *Region) listMetrics(now time.Time) []metricRef {
	var out []metricRef
	add := func(ns, name string, dims ...string) {
		m := metricRef{Namespace: ns, MetricName: name, Dimensions: []Dimension{}}
		for i := 0; i+1 < len(dims); i += 2 {
			m.Dimensions = append(m.Dimensions, Dimension{dims[i], dims[i+1]})
		}
		out = append(out, m)
	}
	for _, in := range r.EC2.Compute.Instances {
		if in.RunningAt.IsZero() || in.RunningAt.After(now) || !in.TerminatedAt.IsZero() && now.Sub(in.TerminatedAt) > metricRetention {
			continue
		}
		for m := range ec2Metrics {
			add("AWS/EC2", m, "InstanceId", in.ID)
		}
	}
	for name := range r.ASG.Groups {
		if len(r.groupInstances(name)) > 0 {
			for m := range ec2Metrics {
				add("AWS/EC2", m, "AutoScalingGroupName", name)
			}
		}
	}
	lbs := map[string]bool{}
	for _, tg := range r.albTargetGroups() {
		lb, tgd := lbDimension(tg.LoadBalancerARN), tgDimension(tg.ARN)
		for _, m := range []string{"HealthyHostCount", "UnHealthyHostCount", "RequestCount", "RequestCountPerTarget", "TargetResponseTime"} {
			add("AWS/ApplicationELB", m, "TargetGroup", tgd, "LoadBalancer", lb)
		}
		add("AWS/ApplicationELB", "RequestCountPerTarget", "TargetGroup", tgd)
		if !lbs[lb] {
			lbs[lb] = true
			for _, m := range []string{"RequestCount", "TargetResponseTime", "HTTPCode_ELB_5XX_Count"} {
				add("AWS/ApplicationELB", m, "LoadBalancer", lb)
			}
		}
	}
	if r.Name == "us-east-1" {
		add("AWS/Billing", "EstimatedCharges", "Currency", "USD")
	}
	key := func(m metricRef) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s|%s", m.Namespace, m.MetricName)
		for _, d := range m.Dimensions {
			fmt.Fprintf(&b, "|%s=%s", d.Name, d.Value)
		}
		return b.String()
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

type listMetricsIn struct {
	Namespace  string      `json:"Namespace"`
	MetricName string      `json:"MetricName"`
	Dimensions []Dimension `json:"Dimensions"` // filters: a Value may be empty
	NextToken  string      `json:"NextToken"`
}

func cwListMetrics(c *call, in *listMetricsIn) (any, error) {
	var matched []metricRef
	for _, m := range c.r.listMetrics(c.now) {
		if in.Namespace != "" && m.Namespace != in.Namespace || in.MetricName != "" && m.MetricName != in.MetricName {
			continue
		}
		have := dimMap(m.Dimensions)
		ok := true
		for _, f := range in.Dimensions {
			v, present := have[f.Name]
			if !present || f.Value != "" && v != f.Value {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, m)
		}
	}
	start, end, next, err := cwPage(in.NextToken, nil, 500, 500, len(matched))
	if err != nil {
		return nil, err
	}
	out := struct {
		Metrics   []metricRef `json:"Metrics"`
		NextToken string      `json:"NextToken,omitempty"`
	}{Metrics: []metricRef{}, NextToken: next}
	out.Metrics = append(out.Metrics, matched[start:end]...)
	return out, nil
}
