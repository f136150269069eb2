package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// The console's blue/green switch points one stack's alias record (blue's,
// written by its dns step) at another stack's load balancer (green's).
// The switch is a recorded fact, kept on blue's record resources of the
// alias (dns/record/A, dns/record/AAAA):
//
//	switched_to          green's stack name ("" once switched back)
//	switched_target      the alias DNS name the record holds now ("" for an
//	                     AAAA the switch removed: green is IPv4 only)
//	switched_alias_zone  the alias's hosted zone id (green's load balancer's)
//	switched_at          when, RFC 3339
//
// so that status of either stack reports it as a fact, not drift; apply of
// blue keeps the record where the console pointed it and says so; destroy
// of green refuses while blue's name sends traffic to it; destroy of blue
// deletes its record as before, wherever it points.

// Attrs of a switched alias record.
const (
	attrSwitchedTo     = "switched_to"
	attrSwitchedTarget = "switched_target"
	attrSwitchedZone   = "switched_alias_zone"
	attrSwitchedAt     = "switched_at"
)

// AliasSwitch is one switch of an alias record by the console.
type AliasSwitch struct {
	// Owner is the stack whose record the alias is (its dns step wrote it).
	Owner string
	// Record is the record's name (api.example.com).
	Record string
	// To is the stack whose load balancer the record points at now; ""
	// or Owner means switched back, which clears the fact.
	To string
	// Target and TargetZone are the A alias's DNS name and hosted zone as
	// Route 53 answered after the switch; Types are the record types the
	// name has after it (an AAAA goes when the new target is IPv4 only).
	Target, TargetZone string
	Types              []string
	At                 time.Time
}

// RecordAliasSwitch writes the switch into the owner's record, under its
// lock, on each alias record resource of that name. A stack with no such
// record (the record is not the owner's, or it has no record in dir) is an
// error naming what is missing.
func RecordAliasSwitch(ctx context.Context, dir string, sw AliasSwitch) error {
	store, err := state.Open(dir, sw.Owner)
	if err != nil {
		return err
	}
	if !store.Exists() {
		return fmt.Errorf("record the switch of %s: stack %s is not recorded in %s", sw.Record, sw.Owner, dir)
	}
	unlock, err := store.Lock(ctx, "console: switch "+sw.Record)
	if err != nil {
		return fmt.Errorf("record the switch of %s in stack %s's record: %w", sw.Record, sw.Owner, err)
	}
	defer func() { _ = unlock() }()
	back := sw.To == "" || sw.To == sw.Owner
	n := 0
	for _, rtype := range []string{"A", "AAAA"} {
		rec, ok := store.Resource(aliasKey(rtype))
		if !ok || !rec.Live() || !sameName(rec.Attrs["name"], sw.Record) {
			continue
		}
		attrs := map[string]string{attrSwitchedTo: "", attrSwitchedTarget: "", attrSwitchedZone: "", attrSwitchedAt: ""}
		if !back {
			attrs[attrSwitchedTo], attrs[attrSwitchedAt] = sw.To, sw.At.UTC().Format(time.RFC3339)
			if rtype == "A" || slices.Contains(sw.Types, rtype) {
				attrs[attrSwitchedTarget], attrs[attrSwitchedZone] = aws.FQDN(sw.Target), sw.TargetZone
			}
		}
		if err := store.RecordCreated(rec.Key, rec.ID, rec.ARN, attrs); err != nil {
			return fmt.Errorf("record the switch of %s in stack %s's record: %w", sw.Record, sw.Owner, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("record the switch of %s: stack %s's record holds no alias record of that name (its dns step writes it)", sw.Record, sw.Owner)
	}
	return nil
}

// sameName compares record names without case or final dot.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// sameAliasHost compares alias targets as Route 53 keeps them: without
// case, final dot or the "dualstack." prefix.
func sameAliasHost(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(s), "."), "dualstack.")
	}
	return norm(a) == norm(b)
}

// switchedHere reports whether the record in AWS (cur, found) is where
// the recorded switch put it.
func switchedHere(a map[string]string, cur aws.Record, found bool) bool {
	switch {
	case a[attrSwitchedTo] == "":
		return false
	case a[attrSwitchedTarget] == "":
		return !found // an AAAA the switch removed
	}
	return found && cur.Alias != nil && sameAliasHost(cur.Alias.DNSName, a[attrSwitchedTarget])
}

// switchedWords is the switch as status and apply say it.
func switchedWords(a map[string]string) string {
	when := atWords(a[attrSwitchedAt])
	if a[attrSwitchedTarget] == "" {
		return "removed by the console's switch to stack " + a[attrSwitchedTo] + when + " (its load balancer is IPv4 only)"
	}
	return "switched to stack " + a[attrSwitchedTo] + " by the console" + when + ": traffic goes to " + strings.TrimSuffix(a[attrSwitchedTarget], ".")
}

// keepSwitched is apply's answer to a switched alias: when the record is
// still where the console pointed it, apply leaves it there and says so
// once (for the A record), with how to switch back. A record moved since
// (switched back by hand) loses its recorded switch, and apply treats it
// as usual.
func keepSwitched(ctx context.Context, r *Run, zoneID, name, rtype string) (bool, error) {
	rec, ok := r.Recorded(aliasKey(rtype))
	if !ok || !rec.Live() || rec.Attrs[attrSwitchedTo] == "" {
		return false, nil
	}
	cur, found, err := r.AWS.DNS.Record(ctx, zoneID, name, rtype)
	if err != nil {
		return false, err
	}
	if switchedHere(rec.Attrs, cur, found) {
		if rtype == "A" {
			r.Info("%s stays on stack %s's load balancer, where the console switched it%s: apply keeps it there. To switch back: stackwiz --stack %s console, then w",
				strings.TrimSuffix(name, "."), rec.Attrs[attrSwitchedTo], atWords(rec.Attrs[attrSwitchedAt]), r.Spec.Name)
		}
		return true, nil
	}
	return false, r.SetAttrs(rec.Key, map[string]string{attrSwitchedTo: "", attrSwitchedTarget: "", attrSwitchedZone: "", attrSwitchedAt: ""})
}

// describeSwitched amends the observed record of a switched alias: where
// the switch put it is as recorded (no drift), and its state says where
// the traffic goes.
func describeSwitched(a map[string]string, cur aws.Record, found bool, obs *Observed) {
	if !switchedHere(a, cur, found) {
		return
	}
	obs.Exists, obs.Healthy, obs.State = true, true, switchedWords(a)
	delete(obs.Attrs, "target")
	delete(obs.Attrs, "alias_zone")
}

// aliasOnto is another stack's switched alias that sends traffic to this
// stack's load balancer.
type aliasOnto struct {
	owner, zone, record, target string
	at                          string
}

// aliasesOnto reads the other stacks recorded beside this one and returns
// the switched aliases that name this stack, as recorded (AWS is not
// asked). A record that cannot be read is skipped: it cannot say.
func (e *Engine) aliasesOnto() []aliasOnto {
	dir, self := e.store.Dir(), e.store.Name()
	names, err := state.List(dir)
	if err != nil {
		return nil
	}
	var out []aliasOnto
	for _, n := range names {
		if n == self {
			continue
		}
		st, err := state.Open(dir, n)
		if err != nil {
			continue
		}
		rec, ok := st.Resource(aliasKey("A"))
		if !ok || !rec.Live() || rec.Attrs[attrSwitchedTo] != self {
			continue
		}
		out = append(out, aliasOnto{owner: n, zone: rec.Attrs["zone_id"], record: rec.Attrs["name"], target: rec.Attrs[attrSwitchedTarget], at: rec.Attrs[attrSwitchedAt]})
	}
	return out
}

// liveAliasesOnto are the aliasesOnto that Route 53 confirms: the record
// still points where the switch put it. One that cannot be read counts, so
// destroy errs on the side of the live site.
func (e *Engine) liveAliasesOnto(ctx context.Context) []aliasOnto {
	var out []aliasOnto
	for _, a := range e.aliasesOnto() {
		if e.aws != nil && a.zone != "" {
			cur, found, err := e.aws.DNS.Record(ctx, a.zone, aws.FQDN(a.record), "A")
			if err == nil && (!found || cur.Alias == nil || !sameAliasHost(cur.Alias.DNSName, a.target)) {
				continue // moved since: the record no longer sends traffic here
			}
		}
		out = append(out, a)
	}
	return out
}

// ErrAliasHeld is wrapped by destroy's refusal of a stack whose load
// balancer another stack's alias points at.
var ErrAliasHeld = errors.New("another stack's alias points at this stack's load balancer")

// AliasHeld is destroy's question before it asks the user: an error
// (wrapping ErrAliasHeld) when another stack's switched alias sends
// traffic to this stack's load balancer, so destroying it would leave the
// name answering nothing; nil otherwise. Destroy asks it again itself.
func (e *Engine) AliasHeld(ctx context.Context) error { return e.refuseAliasHeld(ctx) }

// refuseAliasHeld refuses to destroy a stack whose load balancer receives
// another stack's alias: the name would answer with nothing.
func (e *Engine) refuseAliasHeld(ctx context.Context) error {
	held := e.liveAliasesOnto(ctx)
	if len(held) == 0 {
		return nil
	}
	a := held[0]
	name := strings.TrimSuffix(a.record, ".")
	return fmt.Errorf("%w: the alias %s of stack %s points at this load balancer (switched in the console%s), so destroying stack %s would leave %s answering nothing. "+
		"Switch it back first (stackwiz --stack %s console, then w), or destroy stack %s first; nothing was deleted",
		ErrAliasHeld, name, a.owner, atWords(a.at), e.store.Name(), name, a.owner, a.owner)
}

// atWords is " at <when>", or nothing when the time is not recorded.
func atWords(at string) string {
	if at == "" {
		return ""
	}
	return " at " + at
}

// noteSwitched tells, before destroy deletes them, which of the stack's
// alias records point at another stack: destroy deletes them as its own.
func (e *Engine) noteSwitched() {
	for _, r := range e.store.Snapshot().Resources {
		if r.Type != typeRecord || !r.Live() || r.Attrs[attrSwitchedTo] == "" || r.Attrs[attrSwitchedTarget] == "" {
			continue
		}
		e.emit(Event{Kind: Info, Step: StepDNS, Key: r.Key, Type: r.Type, ID: r.ID,
			Message: fmt.Sprintf("%s %s points at stack %s's load balancer (switched in the console): destroy deletes it as this stack's record; stack %s keeps running without the name",
				r.Attrs["type"], strings.TrimSuffix(r.Attrs["name"], "."), r.Attrs[attrSwitchedTo], r.Attrs[attrSwitchedTo])})
	}
}

// noteAliasesOnto adds to status's report of the load balancer the
// switched aliases that send traffic to it.
func (e *Engine) noteAliasesOnto(ctx context.Context, rep *StatusReport) {
	held := e.liveAliasesOnto(ctx)
	if len(held) == 0 {
		return
	}
	var words []string
	for _, a := range held {
		words = append(words, fmt.Sprintf("receives %s (stack %s's alias, switched in the console)", strings.TrimSuffix(a.record, "."), a.owner))
	}
	for i := range rep.Resources {
		if rr := &rep.Resources[i]; rr.Type == typeLoadBalancer {
			rr.State = strings.Join(slices.DeleteFunc([]string{rr.State, strings.Join(words, "; ")}, func(s string) bool { return s == "" }), " · ")
		}
	}
}
