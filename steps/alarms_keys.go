package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// The alarm topics' encryption (alarms.encrypt_topic). SNS encrypts a
// topic's messages at rest with a KMS key, and CloudWatch then publishes
// only when the key's policy lets cloudwatch.amazonaws.com use it. The AWS
// managed key (alias/aws/sns) has a policy nobody can change, so alarms on
// a topic encrypted with it notify nobody, silently: each topic gets a
// customer managed key of its own instead ($1 a month; a key pending
// deletion is not billed). Destroy schedules the key's deletion in 7 days,
// the shortest wait KMS allows.

// The keys' resources.
const (
	alarmKeyKey        = "alarms/key"
	alarmKeyBillingKey = "alarms/billing-key"
	typeKey            = "kms:key"
)

// alarmKeyDesired is the key of the topic (or of the billing topic).
func alarmKeyDesired(s *spec.Spec, billing bool) Desired {
	key, region, what := alarmKeyKey, "", "alarm topic"
	if billing {
		key, region, what = alarmKeyBillingKey, aws.BillingRegion, "billing alarm topic"
	}
	name := s.Name + " " + what
	return Desired{Key: key, Type: typeKey, Name: name, Region: region, Attrs: map[string]string{}}
}

// alarmKeyDescription is the key's description, which the KMS console shows.
func alarmKeyDescription(s *spec.Spec, billing bool) string {
	d := alarmKeyDesired(s, billing)
	return "stackwiz " + s.Name + ": encrypts the " + strings.TrimPrefix(d.Name, s.Name+" ") + " (CloudWatch may use it for this stack's alarms)"
}

// alarmKeyPolicy lets the account administer the key through IAM (as
// every key policy should: without it not even the caller could delete
// the key) and CloudWatch use it for the stack's alarms in region only.
func alarmKeyPolicy(s *spec.Spec, partition, account, region string) string {
	type statement struct {
		Sid       string         `json:"Sid"`
		Effect    string         `json:"Effect"`
		Principal map[string]any `json:"Principal"`
		Action    any            `json:"Action"`
		Resource  string         `json:"Resource"`
		Condition map[string]any `json:"Condition,omitempty"`
	}
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{"2012-10-17", []statement{
		{Sid: "AccountAdministersThroughIAM", Effect: "Allow",
			Principal: map[string]any{"AWS": "arn:" + partition + ":iam::" + account + ":root"}, Action: "kms:*", Resource: "*"},
		{Sid: "CloudWatchAlarmsOfThisStackPublish", Effect: "Allow",
			Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: "*",
			Condition: map[string]any{
				"StringEquals": map[string]string{"aws:SourceAccount": account},
				"ArnLike":      map[string]string{"aws:SourceArn": "arn:" + partition + ":cloudwatch:" + region + ":" + account + ":alarm:" + s.Name + "-*"},
			}},
	}}
	b, _ := json.Marshal(doc)
	return string(b)
}

// ensureTopicKey keeps the key of a topic and returns its ARN, or "" when
// alarms.encrypt_topic is off.
func ensureTopicKey(ctx context.Context, r *Run, billing bool) (string, error) {
	if !r.Spec.Alarms.EncryptTopic {
		return "", nil
	}
	d := alarmKeyDesired(r.Spec, billing)
	c := alarmsClient(r.AWS, d.Region)
	region := r.AWS.Region
	if billing {
		region = aws.BillingRegion
	}
	account, callerARN := r.Output(StepIdentity, "account"), r.Output(StepIdentity, "caller_arn")
	if account == "" {
		// A run of this step alone: ask STS, as the identity step does.
		c, err := r.AWS.Identity.Caller(ctx)
		if err != nil {
			return "", fmt.Errorf("the account, for the alarm topic's key policy: %w", err)
		}
		account, callerARN = c.Account, c.ARN
	}
	policy := alarmKeyPolicy(r.Spec, iamPartition(callerARN), account, region)
	rec, err := r.Ensure(ctx, d, Ops{
		Find: func(ctx context.Context) (Found, bool, error) {
			keys, err := c.TaggedKeys(ctx, map[string]string{TagStack: r.Spec.Name, TagKey: d.Key})
			if err != nil || len(keys) == 0 {
				return Found{}, false, err
			}
			return Found{ID: keys[0].ID, ARN: keys[0].ARN}, true, nil
		},
		Create: func(ctx context.Context, _ string) (Found, error) {
			k, err := c.CreateKey(ctx, alarmKeyDescription(r.Spec, billing), policy, r.Tags(d.Key, d.Name))
			return Found{ID: k.ID, ARN: k.ARN}, withAlternative(err, "set alarms.encrypt_topic: false to leave the alarm topics unencrypted")
		},
	})
	if err != nil {
		return "", err
	}
	return rec.ARN, nil
}

// convergeTopicKey makes the topic encrypted with keyARN (or not, when
// keyARN is empty): a topic made before the spec asked, or changed by hand.
func convergeTopicKey(ctx context.Context, c *aws.Alarms, topicARN, keyARN string) error {
	have, err := c.TopicKey(ctx, topicARN)
	if err != nil || have == keyARN {
		return err
	}
	return c.SetTopicKey(ctx, topicARN, keyARN)
}

func keysKinds() []Kind {
	// After the topics (Order 14): a topic must not outlive its key.
	return []Kind{{Type: typeKey, Order: 16, Manual: manualKey, Describe: describeKey, Delete: deleteKey, List: listKeys}}
}

func manualKey(r state.Resource) string {
	return fmt.Sprintf("aws kms schedule-key-deletion --key-id %s --pending-window-in-days %d", shellQuote(firstOf(r.ID, r.ARN)), aws.KeyDeletionDays)
}

func describeKey(ctx context.Context, t Target) (Observed, error) {
	k, ok, err := alarmsClient(t.AWS, t.Resource.Region).Key(ctx, t.Resource.ID)
	if err != nil || !ok || !k.Usable() {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: k.State, Healthy: k.State == "Enabled", Attrs: map[string]string{}}
	if !obs.Healthy {
		obs.Problem = "the key is " + k.State + ": SNS cannot encrypt the alarm notifications, so none is delivered; enable it (aws kms enable-key)"
	}
	return obs, nil
}

func deleteKey(ctx context.Context, t Target) error {
	return alarmsClient(t.AWS, t.Resource.Region).ScheduleKeyDeletion(ctx, t.Resource.ID)
}

func listKeys(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	var out []Found
	for _, ar := range alarmRegions(c) {
		keys, err := ar.c.TaggedKeys(ctx, map[string]string{TagStack: stack})
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if f, ok := ar.found(stack, k.Tags, Found{ID: k.ID, ARN: k.ARN, Type: typeKey, Attrs: map[string]string{}}); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// topicEncrypted is a topic's "encrypted" attr.
func topicEncrypted(s *spec.Spec) string { return strconv.FormatBool(s.Alarms.EncryptTopic) }
