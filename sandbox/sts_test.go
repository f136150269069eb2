package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestGetCallerIdentityAnswersTheSandboxAccount(t *testing.T) {
	ts := newTestSandbox(t)
	out, err := sts.NewFromConfig(ts.Cfg).GetCallerIdentity(testCtx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Account != AccountID || *out.Arn == "" {
		t.Fatalf("caller = %+v", out)
	}
	if got := ts.Stats().Count("sts", "GetCallerIdentity"); got != 1 {
		t.Fatalf("stats count = %d, want 1", got)
	}
}
