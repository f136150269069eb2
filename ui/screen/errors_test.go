package screen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/spec"

	"github.com/aws/smithy-go"
)

func TestDescribePutsErrorsIntoWords(t *testing.T) {
	awsErr := fmt.Errorf("create vpc: %w", &smithy.GenericAPIError{Code: "VpcLimitExceeded", Message: "The maximum number of VPCs has been reached."})
	e := Describe(awsErr)
	if e.Code != "VpcLimitExceeded" || !strings.Contains(e.Summary, "maximum number of VPCs") || !strings.Contains(e.Hint, "quota") {
		t.Fatalf("AWS error described as %+v", e)
	}

	e = Describe(fmt.Errorf("apply: %w", context.Canceled))
	if !e.Canceled || !strings.Contains(e.Summary, "nothing is lost") {
		t.Fatalf("cancel described as %+v", e)
	}

	_, err := spec.Parse([]byte("name: Bad_Name\nnetwork:\n  azs: 7\n"))
	var ve *spec.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	e = Describe(err)
	if !strings.HasPrefix(e.Summary, "name") || !strings.Contains(e.Summary, "more problem") {
		t.Fatalf("validation error described as %+v", e)
	}
}
