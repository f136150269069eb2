package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// The console's stack switcher lists, beside the stacks recorded in the
// state dir, the stacks it finds by their tags in the account's other
// regions: a stack built from another machine, or whose record was lost.
// The search is adopt's tag, without a name: any stackwiz:stack value on
// an Auto Scaling group (a stack the console could watch has one).

// RegionScan is what the search of one region found.
type RegionScan struct {
	Region string
	// Stacks are the stacks whose group carries the stackwiz:stack tag.
	Stacks []aws.TaggedStack
	// Err is why the region could not be searched (denied, throttled, no
	// answer before the deadline); the other regions' results stand.
	Err error
}

// scanConcurrency bounds the regions searched at once.
const scanConcurrency = 4

// ScanRegions searches each region for stacks by their stackwiz:stack tag,
// a few regions at once, each within timeout. A region that fails — a
// denied call, a throttled one that ran out of retries, no answer before
// the deadline — says why in its own RegionScan and hides nothing found
// elsewhere. connect builds the clients of a region. The result is in the
// order of regions.
func ScanRegions(ctx context.Context, regions []string, timeout time.Duration, connect func(ctx context.Context, region string) (*aws.Clients, error)) []RegionScan {
	out := make([]RegionScan, len(regions))
	sem := make(chan struct{}, scanConcurrency)
	var wg sync.WaitGroup
	for i, region := range regions {
		out[i].Region = region
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			stacks, err := scanRegion(rctx, region, connect)
			if err != nil && errors.Is(rctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
				err = fmt.Errorf("no answer within %s: %w", timeout, err)
			}
			out[i].Stacks, out[i].Err = stacks, err
		})
	}
	wg.Wait()
	return out
}

func scanRegion(ctx context.Context, region string, connect func(ctx context.Context, region string) (*aws.Clients, error)) ([]aws.TaggedStack, error) {
	c, err := connect(ctx, region)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", region, err)
	}
	return c.ASG.StacksTagged(ctx, TagStack)
}

// ScanWords is a failed region's reason in a few words for a list: the
// AWS error code when there is one (AccessDenied, Throttling), the
// deadline, or the error's first line.
func ScanWords(err error) string {
	switch {
	case err == nil:
		return ""
	case aws.IsAccessDenied(err):
		return "access denied (autoscaling:DescribeTags in this region): allow it, or ignore the region"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer before the deadline: r in the list searches again"
	}
	s := err.Error()
	if i := strings.LastIndex(s, "api error "); i >= 0 {
		s = s[i+len("api error "):]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
