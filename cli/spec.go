package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// loadSpec reads and validates a stack.yaml. Relative paths in it (user
// data, setup script) are made absolute, so the spec kept in the record
// means the same files whatever directory a later command runs in.
func loadSpec(path string) (*spec.Spec, error) {
	sp, err := spec.Load(path)
	if err != nil {
		var ve *spec.ValidationError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, usageError{err}
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	for _, f := range []*string{&sp.Instance.UserData, &sp.AMI.SetupScript} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(base, *f)
		}
	}
	return sp, nil
}

// stackSpec returns the spec a command works with: the file given with -f,
// or the spec the stack's record kept from its last apply.
func stackSpec(file string, store *state.Store) (*spec.Spec, error) {
	if file != "" {
		return loadSpec(file)
	}
	if store == nil || store.Snapshot().Spec == "" {
		return nil, usageError{errors.New("no spec: pass -f stack.yaml (the stack has no spec recorded yet)")}
	}
	sp, err := spec.Parse([]byte(store.Snapshot().Spec))
	if err != nil {
		return nil, fmt.Errorf("the spec recorded for stack %q no longer validates: %w (pass -f stack.yaml)", store.Name(), err)
	}
	return sp, nil
}

// checkSpecAgainst validates spec with what the account knows (the
// region's number of AZs) and prints its warnings to w. It first refuses a
// spec that would work on store's stack in another region or account than
// the one its resources live in.
func checkSpecAgainst(ctx context.Context, s *session, sp *spec.Spec, store *state.Store, w io.Writer) error {
	clients, err := s.connect(ctx, homeRegion(sp.Region, s.g.Region, store))
	if err != nil {
		return err
	}
	if err := refuseOtherHome(ctx, clients, store, s.g.Region); err != nil {
		return err
	}
	if sp.Region == "" {
		// Pin the stack to the region it is built in: later commands and
		// the cost estimate read it from the recorded spec.
		sp.Region = clients.Region
	}
	azs, err := clients.Zones.Available(ctx)
	if err != nil {
		return err
	}
	env := spec.ValidateEnv{AZCount: len(azs), BaseDir: "/"}
	// Where the instance type is offered, so that a type missing from a
	// zone is refused now rather than by a group that cannot launch. An
	// endpoint that will not say leaves it to apply, which warns.
	if offered, err := clients.Zones.Offering(ctx, sp.Instance.Type); err == nil {
		env.TypeZones = make([]string, 0, len(offered))
		for _, z := range offered {
			if slices.Contains(azs, z) {
				env.TypeZones = append(env.TypeZones, z)
			}
		}
	} else if !aws.IsUnsupported(err) && !aws.IsAccessDenied(err) {
		return err
	}
	var blocking []spec.FieldError
	for _, p := range sp.Validate(env) {
		if p.IsWarning() {
			fmt.Fprintf(w, "warning: %s\n", p.Error())
			continue
		}
		blocking = append(blocking, p)
	}
	if len(blocking) > 0 {
		return &spec.ValidationError{Problems: blocking}
	}
	return nil
}

// openOrCreate opens the record of spec's stack, creating it on first
// apply. --stack, when given, must name the same stack.
func openOrCreate(s *session, sp *spec.Spec) (*state.Store, error) {
	if s.g.Stack != "" && s.g.Stack != sp.Name {
		return nil, usageError{fmt.Errorf("--stack %s does not match the spec's name %q", s.g.Stack, sp.Name)}
	}
	store, err := state.Open(s.dir, sp.Name)
	if err != nil {
		return nil, err
	}
	return store, nil
}

// engineFor returns an engine for spec with its events printed to stderr.
func engineFor(s *session, sp *spec.Spec, store *state.Store, stderr io.Writer) *steps.Engine {
	return steps.New(sp, s.clients, store, newEventPrinter(stderr), s.engineOptions())
}
