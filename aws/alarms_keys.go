package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// The KMS half of Alarms: the customer managed key an alarm topic is
// encrypted with. CloudWatch can publish to an encrypted topic only when
// the key's policy lets cloudwatch.amazonaws.com use it, and the policy of
// the AWS managed key (alias/aws/sns) cannot be changed: alarms on a topic
// encrypted with it notify nobody, without an error anywhere.

// keysAPI lists only the KMS methods Alarms calls.
type keysAPI interface {
	CreateKey(context.Context, *kms.CreateKeyInput, ...func(*kms.Options)) (*kms.CreateKeyOutput, error)
	DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	ListKeys(context.Context, *kms.ListKeysInput, ...func(*kms.Options)) (*kms.ListKeysOutput, error)
	ListResourceTags(context.Context, *kms.ListResourceTagsInput, ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error)
	ScheduleKeyDeletion(context.Context, *kms.ScheduleKeyDeletionInput, ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error)
}

// Key is a KMS key as the stack sees it.
type Key struct {
	ID, ARN string
	// State is KMS's key state: Enabled, Disabled, PendingDeletion, ...
	State string
	Tags  map[string]string
}

// Usable reports whether the key still exists and is not going: a key
// pending deletion is as good as gone for the stack.
func (k Key) Usable() bool {
	return k.State != "" && k.State != "PendingDeletion" && k.State != "PendingReplicaDeletion"
}

// KeyDeletionDays is the waiting period destroy schedules a key's deletion
// with: the shortest KMS allows. A key pending deletion is not billed and
// can be restored until then (kms cancel-key-deletion).
const KeyDeletionDays = 7

// CreateKey creates a symmetric encryption key with policy and tags.
// CreateKey has no client token: a lost answer is found again by its tags
// (TaggedKeys), and the call is sent once.
func (a *Alarms) CreateKey(ctx context.Context, description, policy string, tags map[string]string) (Key, error) {
	in := &kms.CreateKeyInput{Description: sdk.String(description), Policy: sdk.String(policy)}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		in.Tags = append(in.Tags, kmstypes.Tag{TagKey: sdk.String(k), TagValue: sdk.String(tags[k])})
	}
	out, err := a.kms.CreateKey(ctx, in, kmsCreateOnce)
	if err != nil {
		return Key{}, fmt.Errorf("create KMS key: %w", err)
	}
	return keyFrom(out.KeyMetadata, tags), nil
}

// Key returns the key id (an id or an ARN); false when KMS does not know it.
func (a *Alarms) Key(ctx context.Context, id string) (Key, bool, error) {
	out, err := a.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: sdk.String(id)})
	switch {
	case IsNotFound(err):
		return Key{}, false, nil
	case err != nil:
		return Key{}, false, fmt.Errorf("describe KMS key %s: %w", id, err)
	}
	return keyFrom(out.KeyMetadata, nil), true, nil
}

// TaggedKeys returns the usable keys carrying every tag of tags, with their
// tags. KMS cannot filter by tag: every key's tags are read, one call per
// key (AWS managed keys included), so this is for finding the stack's keys,
// not for a console refresh.
func (a *Alarms) TaggedKeys(ctx context.Context, tags map[string]string) ([]Key, error) {
	var out []Key
	p := kms.NewListKeysPaginator(a.kms, &kms.ListKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list KMS keys: %w", err)
		}
		for _, k := range page.Keys {
			id := deref(k.KeyId)
			have, err := a.keyTags(ctx, id)
			if IsCode(err, "AccessDeniedException") || IsNotFound(err) {
				continue // an AWS managed key or another account's: not ours
			}
			if err != nil {
				return nil, err
			}
			if !hasTags(have, tags) {
				continue
			}
			key, ok, err := a.Key(ctx, id)
			if err != nil {
				return nil, err
			}
			if ok && key.Usable() {
				key.Tags = have
				out = append(out, key)
			}
		}
	}
	return out, nil
}

func (a *Alarms) keyTags(ctx context.Context, id string) (map[string]string, error) {
	tags := map[string]string{}
	p := kms.NewListResourceTagsPaginator(a.kms, &kms.ListResourceTagsInput{KeyId: sdk.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Tags {
			tags[deref(t.TagKey)] = deref(t.TagValue)
		}
	}
	return tags, nil
}

// ScheduleKeyDeletion schedules the key's deletion in KeyDeletionDays. A
// key already pending deletion, or gone, is success.
func (a *Alarms) ScheduleKeyDeletion(ctx context.Context, id string) error {
	_, err := a.kms.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: sdk.String(id), PendingWindowInDays: sdk.Int32(KeyDeletionDays)})
	if err == nil || IsNotFound(err) {
		return nil
	}
	if IsCode(err, "KMSInvalidStateException") {
		if k, ok, derr := a.Key(ctx, id); derr == nil && (!ok || !k.Usable()) {
			return nil
		}
	}
	return fmt.Errorf("schedule the deletion of KMS key %s: %w", id, err)
}

func keyFrom(m *kmstypes.KeyMetadata, tags map[string]string) Key {
	if m == nil {
		return Key{Tags: tags}
	}
	return Key{ID: deref(m.KeyId), ARN: deref(m.Arn), State: string(m.KeyState), Tags: tags}
}

func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// kmsCreateOnce keeps the SDK from sending CreateKey again after an
// attempt whose outcome is unknown, as createOnce does for EC2.
func kmsCreateOnce(o *kms.Options) { o.Retryer = onceOnly(o.Retryer) }
