package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Buckets is the S3 adapter: the buckets the load balancer's access logs
// and the VPC's flow logs are delivered to. Nothing else of the stack
// lives in S3, so the adapter knows only what a log bucket needs: made
// private, encrypted, expiring its objects, and emptied before deletion.

// bucketsAPI lists only the S3 methods Buckets calls.
type bucketsAPI interface {
	CreateBucket(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
	GetBucketTagging(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
	PutBucketTagging(context.Context, *s3.PutBucketTaggingInput, ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error)
	PutPublicAccessBlock(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	PutBucketEncryption(context.Context, *s3.PutBucketEncryptionInput, ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error)
	GetBucketPolicy(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	PutBucketPolicy(context.Context, *s3.PutBucketPolicyInput, ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error)
	GetBucketLifecycleConfiguration(context.Context, *s3.GetBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
	PutBucketLifecycleConfiguration(context.Context, *s3.PutBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.PutBucketLifecycleConfigurationOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	DeleteObjects(context.Context, *s3.DeleteObjectsInput, ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
	DeleteBucket(context.Context, *s3.DeleteBucketInput, ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
}

// Buckets reaches S3 in the stack's region.
type Buckets struct {
	api    bucketsAPI
	region string
}

// Bucket is a log bucket as the stack sees it.
type Bucket struct {
	Name string
	// Policy is the bucket policy document; empty when it has none.
	Policy string
	// ExpireDays is the lifecycle rule's expiry; 0 when nothing expires.
	ExpireDays int
	Tags       map[string]string
}

// BucketARN is the ARN of bucket name in partition.
func BucketARN(partition, name string) string { return "arn:" + partition + ":s3:::" + name }

// ErrBucketTaken is a bucket name another account owns: bucket names are
// global, and the stack's are derived from its name, account and region.
var ErrBucketTaken = errors.New("the bucket name belongs to another AWS account")

// CreateBucket creates a private bucket in the adapter's region with tags.
// Names are global and the stack's are its own, so a second create of the
// same name (a lost answer, a resume) finds the bucket already ours and
// succeeds: the call is idempotent by its name.
func (b *Buckets) CreateBucket(ctx context.Context, name string, tags map[string]string) error {
	in := &s3.CreateBucketInput{Bucket: sdk.String(name)}
	if b.region != "us-east-1" {
		// us-east-1 refuses a LocationConstraint naming itself.
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(b.region)}
	}
	_, err := b.api.CreateBucket(ctx, in)
	switch {
	case Code(err) == "BucketAlreadyOwnedByYou":
	case Code(err) == "BucketAlreadyExists":
		return fmt.Errorf("create bucket %s: %w", name, ErrBucketTaken)
	case err != nil:
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return b.setTags(ctx, name, tags)
}

func (b *Buckets) setTags(ctx context.Context, name string, tags map[string]string) error {
	var set []s3types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		set = append(set, s3types.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	_, err := b.api.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: sdk.String(name), Tagging: &s3types.Tagging{TagSet: set}})
	if err != nil {
		return fmt.Errorf("tag bucket %s: %w", name, err)
	}
	return nil
}

// Harden blocks every form of public access and encrypts new objects with
// S3-managed keys (SSE-S3): Elastic Load Balancing delivers access logs
// only to buckets encrypted that way, not with a KMS key.
func (b *Buckets) Harden(ctx context.Context, name string) error {
	_, err := b.api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: sdk.String(name),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: sdk.Bool(true), BlockPublicPolicy: sdk.Bool(true),
			IgnorePublicAcls: sdk.Bool(true), RestrictPublicBuckets: sdk.Bool(true)}})
	if err != nil {
		return fmt.Errorf("block public access to bucket %s: %w", name, err)
	}
	_, err = b.api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: sdk.String(name),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}})
	if err != nil {
		return fmt.Errorf("encrypt bucket %s: %w", name, err)
	}
	return nil
}

// SetPolicy replaces the bucket's policy.
func (b *Buckets) SetPolicy(ctx context.Context, name, policy string) error {
	if _, err := b.api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: sdk.String(name), Policy: sdk.String(policy)}); err != nil {
		return fmt.Errorf("set the policy of bucket %s: %w", name, err)
	}
	return nil
}

// SetExpiry makes every object of the bucket expire days after it was
// written (one lifecycle rule, which replaces any other).
func (b *Buckets) SetExpiry(ctx context.Context, name string, days int) error {
	_, err := b.api.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: sdk.String(name),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: sdk.String("stackwiz-expire-logs"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: sdk.String("")},
			Expiration: &s3types.LifecycleExpiration{Days: sdk.Int32(int32(days))},
		}}}})
	if err != nil {
		return fmt.Errorf("set the expiry of bucket %s: %w", name, err)
	}
	return nil
}

// Bucket returns the bucket called name with its policy, expiry and tags;
// false when it does not exist (or is not the caller's to see).
func (b *Buckets) Bucket(ctx context.Context, name string) (Bucket, bool, error) {
	_, err := b.api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: sdk.String(name)})
	switch {
	case IsNotFound(err) || Code(err) == "NotFound":
		return Bucket{}, false, nil
	case err != nil:
		return Bucket{}, false, fmt.Errorf("look up bucket %s: %w", name, err)
	}
	out := Bucket{Name: name}
	if out.Tags, err = b.tags(ctx, name); err != nil {
		return Bucket{}, false, err
	}
	pol, err := b.api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: sdk.String(name)})
	switch {
	case Code(err) == "NoSuchBucketPolicy":
	case err != nil:
		return Bucket{}, false, fmt.Errorf("read the policy of bucket %s: %w", name, err)
	default:
		out.Policy = sdk.ToString(pol.Policy)
	}
	lc, err := b.api.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: sdk.String(name)})
	switch {
	case Code(err) == "NoSuchLifecycleConfiguration":
	case err != nil:
		return Bucket{}, false, fmt.Errorf("read the lifecycle of bucket %s: %w", name, err)
	default:
		for _, r := range lc.Rules {
			if r.Status == s3types.ExpirationStatusEnabled && r.Expiration != nil && r.Expiration.Days != nil {
				out.ExpireDays = int(*r.Expiration.Days)
			}
		}
	}
	return out, true, nil
}

// tags returns a bucket's tags; none is an empty map, not an error.
func (b *Buckets) tags(ctx context.Context, name string) (map[string]string, error) {
	out, err := b.api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: sdk.String(name)})
	switch {
	case Code(err) == "NoSuchTagSet":
		return map[string]string{}, nil
	case err != nil:
		return nil, fmt.Errorf("read the tags of bucket %s: %w", name, err)
	}
	tags := map[string]string{}
	for _, t := range out.TagSet {
		tags[sdk.ToString(t.Key)] = sdk.ToString(t.Value)
	}
	return tags, nil
}

// TaggedBuckets returns the buckets in the adapter's region whose name
// starts with prefix and that carry every tag of tags. S3 has no search by
// tag: the account's buckets are listed and the candidates' tags read.
func (b *Buckets) TaggedBuckets(ctx context.Context, prefix string, tags map[string]string) ([]Bucket, error) {
	var out []Bucket
	in := &s3.ListBucketsInput{Prefix: sdk.String(prefix), BucketRegion: sdk.String(b.region), MaxBuckets: sdk.Int32(1000)}
	for {
		page, err := b.api.ListBuckets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list buckets: %w", err)
		}
		for _, bk := range page.Buckets {
			name := sdk.ToString(bk.Name)
			// An emulator may ignore the filters; they are applied again.
			if !strings.HasPrefix(name, prefix) || bk.BucketRegion != nil && *bk.BucketRegion != b.region {
				continue
			}
			have, err := b.tags(ctx, name)
			if IsNotFound(err) {
				continue // deleted since the listing
			}
			if err != nil {
				return nil, err
			}
			if hasTags(have, tags) {
				out = append(out, Bucket{Name: name, Tags: have})
			}
		}
		if sdk.ToString(page.ContinuationToken) == "" {
			return out, nil
		}
		in.ContinuationToken = page.ContinuationToken
	}
}

// ErrBucketRefilled is a bucket that took new objects while it was being
// emptied, each time it was tried: something still delivers to it.
var ErrBucketRefilled = errors.New("objects keep arriving in the bucket")

// EmptyAndDelete deletes every object of the bucket, then the bucket. A
// log delivery that lands between the two (a load balancer writes every
// five minutes, until it is gone) makes S3 refuse the delete: the bucket
// is emptied again, a few times. It reports how many objects it deleted.
func (b *Buckets) EmptyAndDelete(ctx context.Context, name string) (int, error) {
	deleted := 0
	for range 3 {
		n, err := b.empty(ctx, name)
		deleted += n
		if IsNotFound(err) {
			return deleted, nil
		}
		if err != nil {
			return deleted, err
		}
		_, err = b.api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: sdk.String(name)})
		switch {
		case err == nil, IsNotFound(err):
			return deleted, nil
		case Code(err) != "BucketNotEmpty":
			return deleted, fmt.Errorf("delete bucket %s: %w", name, err)
		}
	}
	return deleted, fmt.Errorf("delete bucket %s: %w", name, ErrBucketRefilled)
}

// empty deletes the bucket's objects, a page (up to 1,000) at a time.
func (b *Buckets) empty(ctx context.Context, name string) (int, error) {
	deleted := 0
	for {
		page, err := b.api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: sdk.String(name)})
		if err != nil {
			return deleted, err
		}
		if len(page.Contents) == 0 {
			return deleted, nil
		}
		var ids []s3types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, s3types.ObjectIdentifier{Key: o.Key})
		}
		out, err := b.api.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: sdk.String(name),
			Delete: &s3types.Delete{Objects: ids, Quiet: sdk.Bool(true)}})
		if err != nil {
			return deleted, fmt.Errorf("empty bucket %s: %w", name, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return deleted, fmt.Errorf("empty bucket %s: delete %s: %s: %s (%d objects not deleted)",
				name, sdk.ToString(e.Key), sdk.ToString(e.Code), sdk.ToString(e.Message), len(out.Errors))
		}
		deleted += len(ids)
	}
}
