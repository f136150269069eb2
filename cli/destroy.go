package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/steps"
)

func newDestroyCmd(g *globals) *cobra.Command {
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "destroy [--yes] [--json]",
		Short: "Delete everything the stack created, in reverse order",
		Long: `destroy deletes every resource the stack created, in reverse dependency order,
waiting where AWS needs it (a NAT gateway gone before its Elastic IP is
released, instances gone before their security groups). It also finds
resources tagged with the stack that the record does not know, so nothing
keeps billing after a partial apply. Interrupted, run it again.`,
		Example: "  stackwiz destroy\n  stackwiz --stack demo destroy --yes",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			stderr := cmd.ErrOrStderr()
			return withSession(g, func(s *session) error {
				// A record without a valid spec (adopt, an apply that failed
				// validation) still names the stack: that is all destroy needs.
				store, spec, err := s.openRecorded(ctx, false)
				if err != nil {
					return err
				}
				if err := checkRecordedHome(ctx, s, store, stderr); err != nil {
					return err
				}
				unlock, err := store.Lock(ctx, "destroy")
				if err != nil {
					return err
				}
				defer func() { _ = unlock() }()
				if !store.Exists() {
					// No record (a lost state dir, another machine): the tags are
					// the truth. Adopt's search, with its refusal of a region that
					// holds only the stack's global part, so that destroy never
					// deletes the IAM role of a stack whose rest lives elsewhere.
					region := s.clients.Region
					fmt.Fprintf(stderr, "No record of stack %q in %s: searching %s for resources tagged stackwiz:stack=%s…\n", store.Name(), s.dir, region, store.Name())
					n, err := engineFor(s, spec, store, stderr).AdoptRegional(ctx)
					var wrong *steps.WrongRegionError
					switch {
					case errors.As(err, &wrong):
						return fmt.Errorf("destroy: %w; nothing was deleted. Pass the region the stack was built in: stackwiz --region REGION --stack %s destroy", err, store.Name())
					case err != nil:
						return fmt.Errorf("destroy: search by tag: %w; nothing was deleted", err)
					case n == 0:
						note := fmt.Sprintf("Nothing tagged stackwiz:stack=%s in %s: nothing to destroy there (pass --region if the stack lives in another region).", store.Name(), region)
						fmt.Fprintln(stderr, note)
						if asJSON {
							doc := newDestroyDocument(store.Name())
							doc.Destroyed, doc.Note = true, note
							return writeJSON(cmd.OutOrStdout(), doc)
						}
						return nil
					}
					fmt.Fprintf(stderr, "Found %d resources of stack %q in %s.\n", n, store.Name(), region)
				}
				// Another stack's alias switched onto this load balancer (the
				// console's blue/green) keeps it: refuse before asking.
				if err := engineFor(s, spec, store, stderr).AliasHeld(ctx); err != nil {
					return err
				}
				for _, note := range steps.LogBucketNotes(store.Snapshot()) {
					fmt.Fprintln(stderr, note)
				}
				live := 0
				for _, r := range store.Snapshot().Resources {
					if r.Live() {
						live++
					}
				}
				if !yes {
					q := fmt.Sprintf("Delete stack %q: %d recorded resources, and any others tagged stackwiz:stack=%s?", store.Name(), live, store.Name())
					ok, err := confirm(cmd, q)
					if err != nil {
						return err
					}
					if !ok {
						return fmt.Errorf("destroy cancelled; nothing was deleted")
					}
				}
				doc := newDestroyDocument(store.Name())
				if err := engineFor(s, spec, store, stderr).Destroy(ctx); err != nil {
					if errors.Is(err, steps.ErrAliasHeld) {
						return err // nothing was deleted
					}
					var left *steps.DestroyError
					if asJSON && errors.As(err, &left) {
						doc.left(left)
						doc.Note = "destroy left resources: run destroy again to finish"
						_ = writeJSON(cmd.OutOrStdout(), doc)
					}
					return fmt.Errorf("%w\nWhat was deleted is recorded: run destroy again to finish", err)
				}
				backup, err := store.Delete()
				if err != nil {
					return err
				}
				if asJSON {
					doc.Destroyed, doc.RecordBackup = true, backup
					return writeJSON(cmd.OutOrStdout(), doc)
				}
				if backup == "" {
					fmt.Fprintf(stderr, "Stack %q destroyed.\n", store.Name())
					return nil
				}
				fmt.Fprintf(stderr, "Stack %q destroyed. Its final record is kept at %s\n", store.Name(), backup)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&g.ForceUnlock, "force-unlock", false, "break the lease another run holds on the stack (only when that run is gone)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as one JSON document")
	return cmd
}
