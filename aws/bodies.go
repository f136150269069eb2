package aws

import (
	"bytes"
	"io"
	"net/http"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// withWholeBodies makes cfg's clients hand net/http a copy of each
// request's body, which only net/http holds.
//
// smithy-go closes the body it gives the HTTP client as soon as the answer
// arrives, and a closed body then reports io.EOF as an error. net/http
// reads the body once more after sending it, to check that nothing follows
// its Content-Length; when the answer came first, that read fails, net/http
// takes it for a failed write and closes the connection while the answer
// is still being read: "use of closed network connection" in the middle of
// a 200 (aws-sdk-go-v2 issues 1825 and 2737). The SDK retries it, but an
// operation sent once (CreateKey has no client token) then loses its
// answer, and on a loaded machine against a local endpoint (the sandbox,
// moto, LocalStack) it cut a read in most runs of a busy test. A copy costs
// one buffer of a few kilobytes per request.
func withWholeBodies(cfg sdk.Config) sdk.Config {
	if _, done := cfg.HTTPClient.(wholeBodies); done {
		return cfg
	}
	next := cfg.HTTPClient
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = wholeBodies{next}
	return cfg
}

type wholeBodies struct{ next sdk.HTTPClient }

func (w wholeBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return w.next.Do(r)
	}
	data, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return w.next.Do(r)
}
