package sandbox

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// Bounds on what a client may send. Every one is refused with an error
// naming the field or the limit, never truncated or wrapped silently.
const (
	// maxRequestBody bounds an AWS API request body. The largest request
	// stackwiz makes is far below it: user data is capped by EC2 at 16 KB
	// (about 22 KB base64-encoded), an IAM policy document at 6,144
	// characters, a Route 53 change batch at 32,000 characters of values,
	// CloudWatch PutMetricData at 1 MB and an SNS message at 256 KiB. 10 MiB
	// is ten times the largest of these, and small enough that ten clients
	// at the limit cost the sandbox 100 MiB, not gigabytes.
	maxRequestBody = 10 << 20
	// maxControlBody bounds a /_sandbox/ request: the largest, a Faults with
	// a long deny list, is a few KiB.
	maxControlBody = 1 << 20
	// drainTooLarge is how much of a refused body is read and dropped, so
	// the client sees the 413 instead of a connection reset mid-upload;
	// past it the connection is closed.
	drainTooLarge = 64 << 20
	// maxAdvance bounds one POST /_sandbox/clock: a story about health
	// checks, retention or certificate expiry needs days or months, never
	// decades, and time.Duration overflows at 292 years.
	maxAdvance = 10 * 365 * 24 * time.Hour
	// maxClockOffset bounds how far the clock may be moved ahead in all,
	// so repeated advances cannot overflow the clock either.
	maxClockOffset = 100 * 365 * 24 * time.Hour
	// maxLatency bounds the latency added to every request: the SDK gives
	// up on a request long before ten minutes.
	maxLatency = 10 * time.Minute
	// maxIAMPropagation bounds the simulated IAM propagation delay.
	maxIAMPropagation = 24 * time.Hour
)

// errBodyTooLarge reports a body over its limit.
type errBodyTooLarge struct{ limit int64 }

func (e errBodyTooLarge) Error() string {
	return fmt.Sprintf("request body is larger than the %d bytes the sandbox accepts", e.limit)
}

// readBounded reads all of r, or fails with errBodyTooLarge when r holds
// more than limit bytes: one byte past the limit is enough to know.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errBodyTooLarge{limit: limit}
	}
	return b, nil
}

// errRequestTooLarge is the AWS-shaped answer to a body over maxRequestBody:
// HTTP 413, as AWS's front ends answer an oversized request.
func errRequestTooLarge() *APIError {
	return apiErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
		"The request body is larger than the %d bytes the sandbox accepts.", maxRequestBody)
}

// advanceDuration turns the seconds of POST /_sandbox/clock into a
// duration, refusing what is not finite, negative or over maxAdvance
// before any float-to-integer conversion can overflow.
func advanceDuration(seconds float64) (time.Duration, error) {
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) || seconds < 0 || seconds > maxAdvance.Seconds() {
		return 0, fmt.Errorf("advance_seconds: %v is out of range; use a number from 0 to %.0f (ten years)", seconds, maxAdvance.Seconds())
	}
	return time.Duration(seconds * float64(time.Second)), nil
}

// errClockRange marks an advance the clock cannot take.
var errClockRange = errors.New("clock out of range")

// checkAdvance refuses an advance of the clock by d from offset that is
// negative, over maxAdvance, or would take the clock past maxClockOffset.
func checkAdvance(offset, d time.Duration) error {
	if d < 0 || d > maxAdvance {
		return fmt.Errorf("advance %v is not within 0 and %v: %w", d, maxAdvance, errClockRange)
	}
	if offset+d > maxClockOffset {
		return fmt.Errorf("advance %v would move the clock %v ahead, past the %v the sandbox allows: %w", d, offset+d, maxClockOffset, errClockRange)
	}
	return nil
}
