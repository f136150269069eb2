package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stackwiz/stackwiz/spec"
)

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"failure", errors.New("create VPC: boom"), 1},
		{"usage", usageError{errors.New("unknown flag: --x")}, 2},
		{"wrapped usage", fmt.Errorf("apply: %w", usageError{errors.New("bad")}), 2},
		{"invalid spec", fmt.Errorf("load stack.yaml: %w", &spec.ValidationError{Problems: []spec.FieldError{{}}}), 2},
		{"explicit code", &exitCodeError{code: 1}, 1},
		{"explicit code wins", &exitCodeError{code: 3, err: usageError{errors.New("x")}}, 3},
		{"required flag", errors.New(`required flag(s) "file" not set`), 2},
		{"cancelled", context.Canceled, 1},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}
