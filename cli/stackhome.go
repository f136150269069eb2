package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// A stack's record says where it lives: its region and account. Every
// command that works on a recorded stack checks that it works there, since
// the same commands pointed elsewhere see every recorded resource as
// "deleted outside stackwiz": plan and apply would build a second copy,
// status would report a healthy stack as gone, destroy would miss it.

// liveResources counts the recorded resources that may exist in AWS.
func liveResources(snap state.Stack) int {
	n := 0
	for _, r := range snap.Resources {
		if r.Live() {
			n++
		}
	}
	return n
}

// homeRegion is the region a plan or apply of spec works in: the spec's,
// else --region, else, for a stack that has live resources, the region its
// record names (a spec without `region:` means where it was built), else
// the profile's (empty).
func homeRegion(specRegion, flagRegion string, store *state.Store) string {
	rec := ""
	if store != nil && liveResources(store.Snapshot()) > 0 {
		rec = store.Snapshot().Region
	}
	return cmp.Or(specRegion, flagRegion, rec)
}

// refuseOtherHome refuses to plan or apply a recorded stack in another
// region or account than the one its live resources are in.
// An explicit --region that names another region than the record's is
// refused too, though the spec's region wins over it: a flag that would be
// silently ignored is a misunderstanding.
func refuseOtherHome(ctx context.Context, c *aws.Clients, store *state.Store, flagRegion string) error {
	snap := store.Snapshot()
	live := liveResources(snap)
	if live == 0 {
		return nil // nothing recorded to lose: the identity step records the new home
	}
	where := fmt.Sprintf("%s (account %s)", cmp.Or(snap.Region, "an unrecorded region"), cmp.Or(snap.AccountID, "not recorded"))
	for _, asked := range []struct{ by, region string }{{"--region", flagRegion}, {"this spec", c.Region}} {
		if snap.Region != "" && asked.region != "" && asked.region != snap.Region {
			return usageError{fmt.Errorf("stack %s was built in %s and has %d live resources there; %s says %s: "+
				"destroy it first (stackwiz --stack %s destroy), or give the new one another name (the spec's `name:`)",
				snap.Name, where, live, asked.by, asked.region, snap.Name)}
		}
	}
	return refuseOtherAccount(ctx, c, snap, "give the new one another name (the spec's `name:`)")
}

// refuseOtherAccount refuses credentials of another account than the one
// the record names; fix is the alternative to switching profiles.
func refuseOtherAccount(ctx context.Context, c *aws.Clients, snap state.Stack, fix string) error {
	if snap.AccountID == "" {
		return nil
	}
	caller, err := c.Identity.Caller(ctx)
	if err != nil {
		return fmt.Errorf("check which account stack %s is in: %w", snap.Name, err)
	}
	if caller.Account != snap.AccountID {
		return usageError{fmt.Errorf("stack %s was built in account %s (%s), but these credentials are account %s (%s): "+
			"use a profile of account %s (--profile), or %s",
			snap.Name, snap.AccountID, cmp.Or(snap.Region, "region not recorded"), caller.Account, caller.ARN, snap.AccountID, fix)}
	}
	return nil
}

// checkRecordedHome is status's and destroy's check: they work in the
// record's region, so an explicit --region naming another one is a
// mistake, and so are credentials of another account. A record without a
// region (written by an older adopt) is worked on where the clients point,
// with a warning on w.
func checkRecordedHome(ctx context.Context, s *session, store *state.Store, w io.Writer) error {
	snap := store.Snapshot()
	if snap.Region != "" && s.g.Region != "" && s.g.Region != snap.Region {
		return usageError{fmt.Errorf("--region %s: stack %s lives in %s (account %s), and its record is checked and destroyed there: drop --region, "+
			"or name another stack with --stack", s.g.Region, snap.Name, snap.Region, cmp.Or(snap.AccountID, "not recorded"))}
	}
	if snap.Region == "" && liveResources(snap) > 0 {
		fmt.Fprintf(w, "warning: the record of stack %s does not say which region it is in; working in %s. "+
			"If it lives elsewhere, rebuild the record: stackwiz --region REGION --stack %s adopt\n", snap.Name, s.clients.Region, snap.Name)
	}
	return refuseOtherAccount(ctx, s.clients, snap, "name another stack with --stack")
}
