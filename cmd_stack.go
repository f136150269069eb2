package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// exitCouldNotCheck is status's exit when it could not tell whether the
// stack is healthy: AWS could not be reached or asked (credentials, the
// network, a denied permission), so the stack may be fine.
const exitCouldNotCheck = 3

func newStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Check every step and resource against AWS; exit 0 only when all is well",
		Long: `status checks every resource the stack's record holds against AWS: that it
still exists, that it is as recorded (no drift), and that it is healthy, and
that the alarms reach someone (an e-mail subscription still waiting for
confirmation notifies nobody).

Exit status:
  0  healthy: every step is done, every resource was checked and is well
  1  unhealthy: a step is not done, or a resource is missing, unhealthy,
     drifted, not recorded (an orphan), or an alarm e-mail is unconfirmed
  2  bad usage: no such stack, --region or credentials of another account
  3  could not check: AWS could not be reached or asked (credentials, the
     network, the endpoint, a denied permission), so the stack may be fine;
     nothing checked was wrong

With --json the document says the same in "verdict" (healthy, unhealthy or
unknown); when status could not check at all it is an error document
(docs/schemas/error.schema.json) with the exit status in "exit_code".`,
		Example: "  stackwiz status\n  stackwiz status --json | jq '.resources[] | select(.healthy | not)'\n" +
			"  stackwiz status; case $? in 0) echo ok;; 1) echo broken;; 3) echo unknown;; esac",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := newSession(g)
			if err != nil {
				return err
			}
			defer s.close()
			store, spec, err := s.openRecorded(ctx, true)
			if err != nil {
				return couldNotCheck(s, err)
			}
			if err := checkRecordedHome(ctx, s, store, cmd.ErrOrStderr()); err != nil {
				return couldNotCheck(s, err)
			}
			rep, err := steps.New(spec, s.clients, store, nil, s.engineOptions()).Status(ctx)
			if err != nil {
				return couldNotCheck(s, err)
			}
			code := exitOK
			switch rep.Verdict {
			case steps.VerdictUnhealthy:
				code = exitFailure
			case steps.VerdictUnknown:
				code = exitCouldNotCheck
			}
			return reportWithCode(cmd, asJSON, newStatusDocument(rep), func(w io.Writer) { renderStatus(w, rep) }, code)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON document")
	return cmd
}

// couldNotCheck makes a failure of status to reach or ask AWS exit 3,
// saying so; bad usage keeps its exit 2.
func couldNotCheck(s *session, err error) error {
	if exitCode(err) == exitUsage {
		return err
	}
	what := "the stack"
	if name, nerr := s.stackName(); nerr == nil {
		what = "stack " + name
	}
	return &exitCodeError{code: exitCouldNotCheck, err: fmt.Errorf("could not check %s, so it may be healthy or not: %w", what, err)}
}

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
			s, err := newSession(g)
			if err != nil {
				return err
			}
			defer s.close()
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
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&g.ForceUnlock, "force-unlock", false, "break the lease another run holds on the stack (only when that run is gone)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as one JSON document")
	return cmd
}

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the stack in other forms",
	}
	var file string
	cli := &cobra.Command{
		Use:   "cli [-f stack.yaml]",
		Short: "Print the equivalent AWS CLI script for the stack",
		Long: `export cli prints a bash script of AWS CLI commands that builds the same stack by
hand, step by step, with the same names and tags: to read, to learn from, or
to review what stackwiz does. It calls nothing.`,
		Example: "  stackwiz export cli -f stack.yaml > build.sh",
		RunE: func(cmd *cobra.Command, _ []string) error {
			var spec *steps.Spec
			if file != "" {
				sp, err := loadSpec(file)
				if err != nil {
					return err
				}
				spec = sp
			} else {
				s, err := newSession(g)
				if err != nil {
					return err
				}
				store, err := s.openStack()
				if err != nil {
					return err
				}
				if spec, err = stackSpec("", store); err != nil {
					return err
				}
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), steps.ExportCLI(spec, steps.All()))
			return err
		},
	}
	cli.Flags().StringVarP(&file, "file", "f", "", "the stack spec (default: the spec recorded at the last apply)")
	cmd.AddCommand(cli)
	return cmd
}

func newAdoptCmd(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "adopt [-f stack.yaml]",
		Short: "Rebuild the local record from the resources' tags in AWS",
		Long: `adopt finds every resource tagged stackwiz:stack=<name> and records it, so a
lost or deleted state dir loses nothing. Name the stack with --stack (or give
its spec with -f); run apply afterwards to bring the record's details up to
date.

adopt searches one region: the spec's (with -f), else --region, else the
profile's. It records that region and the account, so status and destroy
work there later, and it refuses a search that finds only the stack's
global resources (IAM, Route 53): the rest of the stack is in another region.`,
		Example: "  stackwiz --stack demo --region eu-west-1 adopt\n  stackwiz adopt -f stack.yaml",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			stderr := cmd.ErrOrStderr()
			s, err := newSession(g)
			if err != nil {
				return err
			}
			defer s.close()
			var spec *steps.Spec
			switch {
			case file != "":
				if spec, err = loadSpec(file); err != nil {
					return err
				}
				if g.Stack != "" && g.Stack != spec.Name {
					return usageError{fmt.Errorf("--stack %s does not match the spec's name %q", g.Stack, spec.Name)}
				}
			case g.Stack != "":
				if err := state.ValidateName(g.Stack); err != nil {
					return usageError{err}
				}
				d := steps.Defaults()
				d.Name = g.Stack
				spec = &d
			default:
				return usageError{fmt.Errorf("adopt needs the stack's name: pass --stack NAME or -f stack.yaml")}
			}
			if spec.Region != "" && g.Region != "" && spec.Region != g.Region {
				return usageError{fmt.Errorf("--region %s contradicts the spec's region %s: adopt searches one region; drop one of them", g.Region, spec.Region)}
			}
			clients, err := s.connect(ctx, cmp.Or(spec.Region, g.Region))
			if err != nil {
				return err
			}
			regionFrom := "the spec's region"
			switch {
			case spec.Region == "" && g.Region != "":
				regionFrom = "--region"
			case spec.Region == "":
				regionFrom = "the profile's default region; pass --region to search another"
			}
			spec.Region = clients.Region
			caller, err := clients.Identity.Caller(ctx)
			if err != nil {
				return fmt.Errorf("adopt: find out which account to search: %w", err)
			}
			store, err := state.OpenNew(s.dir, spec.Name)
			if err != nil {
				return err
			}
			unlock, err := store.Lock(ctx, "adopt")
			if err != nil {
				return err
			}
			defer func() { _ = unlock() }()
			fmt.Fprintf(stderr, "Searching %s (%s), account %s, for resources tagged stackwiz:stack=%s…\n",
				clients.Region, regionFrom, caller.Account, spec.Name)
			n, err := engineFor(s, spec, store, stderr).AdoptRegional(ctx)
			var wrong *steps.WrongRegionError
			switch {
			case errors.As(err, &wrong):
				return fmt.Errorf("adopt: %w; nothing was recorded. Pass the region the stack was built in: stackwiz --region REGION --stack %s adopt (or -f with the spec that names it)",
					err, spec.Name)
			case err != nil:
				return err
			case n == 0:
				return fmt.Errorf("adopt: no resource tagged stackwiz:stack=%s in %s, account %s; nothing was recorded. If the stack was built in another region, pass --region REGION",
					spec.Name, clients.Region, caller.Account)
			}
			if err := store.SetIdentity(clients.Region, caller.Account); err != nil {
				return err
			}
			if file != "" {
				text, _ := spec.YAML()
				if err := store.SetSpec(string(text)); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Adopted %d resources of stack %q in %s, account %s, into %s.\n", n, spec.Name, clients.Region, caller.Account, store.Path())
			fmt.Fprintln(cmd.OutOrStdout(), "Run `stackwiz apply -f stack.yaml` to bring the record's details and the steps' outputs up to date.")
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the stack spec (names the stack and its region, and becomes its recorded spec)")
	return cmd
}
