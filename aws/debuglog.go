package aws

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// debugLog writes one line per HTTP attempt for --debug: what was called,
// how it went and how long it took. It never writes a header, a body or
// a credential: only the fields named here, so a log can be pasted into
// an issue as it is.
type debugLog struct {
	mu sync.Mutex // one line at a time from concurrent calls
	w  io.Writer
}

func newDebugLog(w io.Writer) *debugLog {
	if w == nil {
		return nil
	}
	return &debugLog{w: w}
}

// request logs one attempt:
//
//	2026-12-04T05:40:01.123Z aws EC2 DescribeVpcs region=us-east-1 status=200 duration=12ms request_id=... retries=0
//
// with error=CODE (or the transport error's last cause) when it failed.
func (l *debugLog) request(ctx context.Context, start time.Time, d time.Duration, attempt int, md middleware.Metadata, err error) {
	var b strings.Builder
	b.WriteString(start.UTC().Format("2006-01-02T15:04:05.000Z"))
	b.WriteString(" aws ")
	b.WriteString(field(awsServiceID(ctx)))
	b.WriteByte(' ')
	b.WriteString(field(awsOperation(ctx)))
	if r := awsRegion(ctx); r != "" {
		b.WriteString(" region=" + field(r))
	}
	status := "-"
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && resp != nil {
		status = strconv.Itoa(resp.StatusCode)
	} else if s := httpStatus(err); s != 0 {
		status = strconv.Itoa(s)
	}
	b.WriteString(" status=" + status)
	b.WriteString(" duration=" + d.Round(time.Millisecond/10).String())
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	if id == "" {
		id = "-"
	}
	b.WriteString(" request_id=" + field(id))
	b.WriteString(" retries=" + strconv.Itoa(attempt-1))
	if err != nil {
		why := Code(err)
		if why == "" {
			why = lastCause(err)
		}
		b.WriteString(" error=" + strconv.Quote(why))
	}
	b.WriteByte('\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, b.String())
}

// field keeps a value on one line and one field.
func field(s string) string {
	if s == "" {
		return "-"
	}
	if strings.ContainsAny(s, " \t\r\n\"=") {
		return strconv.Quote(s)
	}
	return s
}
