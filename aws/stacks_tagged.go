package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// TaggedStack is a stack found in a region by the stackwiz:stack tag on
// its Auto Scaling group: whatever its name, recorded here or not.
type TaggedStack struct {
	// Name is the tag's value: the stack's name.
	Name string
	// Group is the Auto Scaling group that carries it.
	Group string
}

// StacksTagged lists the region's Auto Scaling groups that carry the tag
// key (stackwiz:stack), whatever its value: one DescribeTags filtered by
// key, paged, no describe of the groups. The console's stack switcher
// finds with it the stacks of other regions that no record names.
func (a *AutoScaling) StacksTagged(ctx context.Context, key string) ([]TaggedStack, error) {
	var out []TaggedStack
	p := autoscaling.NewDescribeTagsPaginator(a.api, &autoscaling.DescribeTagsInput{Filters: []astypes.Filter{
		{Name: sdk.String("key"), Values: []string{key}},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe auto scaling tags %s: %w", key, err)
		}
		for _, t := range page.Tags {
			if deref(t.ResourceType) != "auto-scaling-group" || deref(t.Value) == "" {
				continue
			}
			out = append(out, TaggedStack{Name: deref(t.Value), Group: deref(t.ResourceId)})
		}
	}
	slices.SortFunc(out, func(a, b TaggedStack) int {
		return strings.Compare(a.Name+" "+a.Group, b.Name+" "+b.Group)
	})
	return slices.CompactFunc(out, func(a, b TaggedStack) bool { return a == b }), nil
}
