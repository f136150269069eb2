package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"charm.land/fang/v2"
)

// TestStyledErrorsHintLikePlainOnes checks the terminal layout makes the
// same choice as the plain one (fang's own handler guesses from words).
func TestStyledErrorsHintLikePlainOnes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		hint string
	}{
		{"argument error", commandLineError{error: errors.New("accepts 1 arg(s), received 2"), path: "stackwiz serve"}, "Try stackwiz serve --help for usage."},
		{"flag group", errors.New("if any flags in the group [a b] are set none of the others can be"), "Try stackwiz --help for usage."},
		{"usage met while running", fmt.Errorf("open stack: %w", usageError{errors.New("no stack recorded")}), ""},
		{"runtime failure with usage words", errors.New("unknown command reply from the endpoint"), ""},
	} {
		var styled, plain bytes.Buffer
		writeError(&styled, fang.Styles{}, tc.err, true)
		writeError(&plain, fang.Styles{}, tc.err, false)
		if !strings.Contains(styled.String(), tc.err.Error()) {
			t.Errorf("%s: styled output %q lacks the error", tc.name, styled.String())
		}
		gotStyled := strings.Contains(styled.String(), "--help")
		gotPlain := strings.Contains(plain.String(), "--help")
		if want := tc.hint != ""; gotStyled != want || gotPlain != want {
			t.Errorf("%s: hint styled %v, plain %v; want %v:\n%s\n%s", tc.name, gotStyled, gotPlain, want, styled.String(), plain.String())
		}
		if tc.hint != "" && !strings.Contains(styled.String(), tc.hint) {
			t.Errorf("%s: styled output %q lacks %q", tc.name, styled.String(), tc.hint)
		}
	}
	var quiet bytes.Buffer
	writeError(&quiet, fang.Styles{}, &exitCodeError{code: exitFailure}, true)
	if quiet.Len() != 0 {
		t.Errorf("an exit status without a message printed %q", quiet.String())
	}
}
