package cli

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// The --json documents are a contract with scripts. Each is described by
// a JSON Schema in docs/schemas/ (TestJSONDocumentsMatchTheirSchemas
// validates the binary's real output against them), carries
// schema_version, keeps every key when its value is empty, and has arrays,
// never null, for lists. A change that removes or renames a key, or changes
// a value's type, bumps the document's schema version; adding a key does not.

// jsonSchemaVersion is the schema version of the documents of plan, apply,
// status and destroy, and of the error document.
const jsonSchemaVersion = 1

// errorDocument is what a command given --json prints on stdout when it
// fails before it has printed its own document
// (docs/schemas/error.schema.json).
type errorDocument struct {
	SchemaVersion int `json:"schema_version"`
	// Error is the message: "invalid stack spec" for an invalid spec,
	// whose problems are then listed field by field.
	Error string `json:"error"`
	// ExitCode is the status the command exits with.
	ExitCode int               `json:"exit_code"`
	Problems []problemDocument `json:"problems"`
}

// problemDocument is one problem of an invalid spec.
type problemDocument struct {
	// Path is the field, like "autoscaling.min"; "" for the whole file.
	Path string `json:"path"`
	// Line is the field's line in the file; 0 when not known.
	Line     int    `json:"line"`
	Value    string `json:"value"`
	Problem  string `json:"problem"`
	Fix      string `json:"fix"`
	Severity string `json:"severity"`
}

// newErrorDocument describes err, which makes the command exit with code.
func newErrorDocument(err error, code int) errorDocument {
	doc := errorDocument{SchemaVersion: jsonSchemaVersion, Error: err.Error(), ExitCode: code, Problems: []problemDocument{}}
	var ve *spec.ValidationError
	if errors.As(err, &ve) {
		doc.Error = "invalid stack spec"
		for _, p := range ve.Problems {
			doc.Problems = append(doc.Problems, problemDocument{Path: p.Path, Line: p.Line, Value: p.Value,
				Problem: p.Problem, Fix: p.Fix, Severity: p.Severity.String()})
		}
	}
	return doc
}

// planDocument is `plan --json` (docs/schemas/plan.schema.json).
type planDocument struct {
	SchemaVersion int               `json:"schema_version"`
	Stack         string            `json:"stack"`
	Region        string            `json:"region"`
	Changes       []changeDocument  `json:"changes"`
	Cost          spec.CostEstimate `json:"cost"`
	// Warnings are what is worth knowing before applying: the same as the
	// text plan and the wizard's review show.
	Warnings []warningDocument `json:"warnings"`
	// Duration is how long apply is expected to take on AWS and the chain
	// of waits that sets it.
	Duration steps.ApplyEstimate `json:"duration"`
}

type changeDocument struct {
	Step   steps.StepID `json:"step"`
	Key    string       `json:"key"`
	Type   string       `json:"type"`
	Name   string       `json:"name"`
	ID     string       `json:"id"`
	Action steps.Action `json:"action"`
	Why    string       `json:"why"`
}

type warningDocument struct {
	Step steps.StepID `json:"step"`
	Path string       `json:"path"`
	Text string       `json:"text"`
}

func newPlanDocument(p *steps.PlanResult, sp *spec.Spec) planDocument {
	doc := planDocument{SchemaVersion: jsonSchemaVersion, Stack: p.Stack, Region: p.Region, Cost: p.Cost,
		Changes: []changeDocument{}, Warnings: []warningDocument{}, Duration: p.Duration}
	for _, c := range p.Changes {
		doc.Changes = append(doc.Changes, changeDocument{Step: c.Step, Key: c.Key, Type: c.Type, Name: c.Name, ID: c.ID, Action: c.Action, Why: c.Why})
	}
	if doc.Cost.Lines == nil {
		doc.Cost.Lines = []spec.CostLine{}
	}
	for _, a := range spec.Advise(sp) {
		if a.Warn {
			doc.Warnings = append(doc.Warnings, warningDocument{Step: steps.StepID(a.Step), Path: a.Path, Text: a.Text})
		}
	}
	return doc
}

// statusDocument is `status --json` (docs/schemas/status.schema.json),
// and the status apply reports.
type statusDocument struct {
	SchemaVersion int `json:"schema_version"`
	*steps.StatusReport
}

func newStatusDocument(rep *steps.StatusReport) statusDocument {
	if rep.Steps == nil {
		rep.Steps = []steps.StepReport{}
	}
	if rep.Resources == nil {
		rep.Resources = []steps.ResourceReport{}
	}
	for i := range rep.Resources {
		if rep.Resources[i].Drift == nil {
			rep.Resources[i].Drift = []string{}
		}
	}
	return statusDocument{SchemaVersion: jsonSchemaVersion, StatusReport: rep}
}

// applyDocument is `apply --json` (docs/schemas/apply.schema.json).
type applyDocument struct {
	SchemaVersion int    `json:"schema_version"`
	Stack         string `json:"stack"`
	OK            bool   `json:"ok"`
	// Error is why apply stopped; empty when OK.
	Error  string         `json:"error"`
	Status statusDocument `json:"status"`
	// Outputs are each step's outputs (load balancer DNS name, group
	// name, ...), by step id; a step without outputs is left out.
	Outputs map[string]map[string]string `json:"outputs"`
}

// newApplyDocument is apply's result: the record's outputs, the stack's
// status after the run, and the error that stopped it, if any.
func newApplyDocument(store *state.Store, rep *steps.StatusReport, err error) applyDocument {
	snap := store.Snapshot()
	doc := applyDocument{SchemaVersion: jsonSchemaVersion, Stack: snap.Name, OK: err == nil,
		Status: newStatusDocument(rep), Outputs: map[string]map[string]string{}}
	for _, id := range slices.Sorted(maps.Keys(snap.Steps)) {
		if o := snap.Steps[id].Outputs; len(o) > 0 {
			doc.Outputs[id] = o
		}
	}
	if err != nil {
		doc.Error = err.Error()
	}
	return doc
}

// destroyDocument is `destroy --json` (docs/schemas/destroy.schema.json).
type destroyDocument struct {
	SchemaVersion int    `json:"schema_version"`
	Stack         string `json:"stack"`
	// Destroyed is true when nothing of the stack is left (or nothing was
	// found to destroy).
	Destroyed bool `json:"destroyed"`
	// RecordBackup is where the final record was kept; empty when none was.
	RecordBackup string `json:"record_backup"`
	// Note says what happened when it was not the usual: nothing found.
	Note string `json:"note"`
	// Remaining are the resources a failed destroy left, with the command
	// that deletes each; Unlisted the types it could not search.
	Remaining []remainingDocument `json:"remaining"`
	Unlisted  []remainingDocument `json:"unlisted"`
}

type remainingDocument struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Region  string `json:"region"`
	Reason  string `json:"reason"`
	Command string `json:"command"`
}

func newDestroyDocument(stack string) destroyDocument {
	return destroyDocument{SchemaVersion: jsonSchemaVersion, Stack: stack, Remaining: []remainingDocument{}, Unlisted: []remainingDocument{}}
}

// left fills the document from a destroy that left resources.
func (d *destroyDocument) left(err *steps.DestroyError) {
	conv := func(rs []steps.Remaining) []remainingDocument {
		out := []remainingDocument{}
		for _, r := range rs {
			out = append(out, remainingDocument{Type: r.Type, ID: r.ID, Region: r.Region, Reason: r.Reason, Command: r.Command})
		}
		return out
	}
	d.Remaining, d.Unlisted = conv(err.Remaining), conv(err.Unlisted)
}

// answerErrorsInJSON makes a command with --json that fails before it has
// printed its document print an error document on stdout instead
// (docs/schemas/error.schema.json): a script reading stdout always gets
// one JSON document, and for an invalid spec it learns which fields to fix
// (the same problems go to stderr as text).
func answerErrorsInJSON(c *cobra.Command) {
	run := c.RunE
	if run == nil || c.Flags().Lookup("json") == nil {
		return
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		out := &countingWriter{w: cmd.OutOrStdout()}
		cmd.SetOut(out)
		err := run(cmd, args)
		if asJSON, _ := cmd.Flags().GetBool("json"); asJSON && err != nil && out.n == 0 {
			var ec *exitCodeError
			if errors.As(err, &ec) && ec.err == nil {
				return err // the command said what it had to
			}
			_ = writeJSON(out, newErrorDocument(err, exitCode(err)))
		}
		return err
	}
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
