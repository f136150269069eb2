package sandbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// BenchmarkCloudWatchTickWith1000InstancesAnd200Alarms measures the
// CloudWatch part of a tick in its worst case: every alarm is due (a second
// passes between ticks) over a thousand running instances, plus a billing
// alarm that sums the whole account.
func BenchmarkCloudWatchTickWith1000InstancesAnd200Alarms(b *testing.B) {
	ts := newTestSandbox(b)
	ctx := testCtx(b)
	run, err := ec2.NewFromConfig(ts.Cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(publicImageID("us-east-1", "al2023-ami-2023.9.20261103.0-kernel-6.1-x86_64")),
		InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1000), MaxCount: aws.Int32(1000)})
	if err != nil {
		b.Fatal(err)
	}
	cw := cloudwatch.NewFromConfig(ts.Cfg)
	for i := range 199 {
		in := cpuAlarm(fmt.Sprintf("cpu-%d", i), *run.Instances[i].InstanceId, 30)
		in.Period, in.EvaluationPeriods = aws.Int32(60), aws.Int32(3)
		if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	in := cpuAlarm("billing", "", 100)
	in.Namespace, in.MetricName, in.Period = aws.String("AWS/Billing"), aws.String("EstimatedCharges"), aws.Int32(21600)
	in.Dimensions[0].Name, in.Dimensions[0].Value = aws.String("Currency"), aws.String("USD")
	if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
		b.Fatal(err)
	}
	ts.Advance(time.Hour)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	r := ts.world.Regions["us-east-1"]
	now := ts.clock.Now()
	b.ResetTimer()
	for range b.N {
		now = now.Add(time.Second)
		r.CW.tick(r, now, ts.dur)
	}
}
