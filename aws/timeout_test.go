package aws

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// silentEndpoint accepts connections and never answers, as a hung proxy
// or a stopped-but-listening emulator does; it counts the connections.
func silentEndpoint(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			conns = append(conns, c) // held open, never written to
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String(), &n
}

// An endpoint that takes the connection and never answers ends a call
// after a bounded number of bounded waits, saying so, instead of holding
// the command forever (status once sat 420 s and more).
func TestASilentEndpointEndsTheCallWithinItsBound(t *testing.T) {
	envCredentials(t)
	url, n := silentEndpoint(t)
	var rs retries
	cfg, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: url, ResponseTimeout: 300 * time.Millisecond, OnRetry: rs.add})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = ec2.NewFromConfig(cfg).DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	took := time.Since(start)
	if err == nil {
		t.Fatal("DescribeVpcs against a silent endpoint succeeded")
	}
	// One connection is LoadConfig's probe that the endpoint listens.
	if got := n.Load() - 1; got != timeoutAttempts {
		t.Errorf("attempts = %d, want %d", got, timeoutAttempts)
	}
	// Three waits of 300 ms and two backoffs of at most a few seconds.
	if took > 10*time.Second {
		t.Errorf("took %s, want the bound: %d attempts of 300 ms plus backoff", took, timeoutAttempts)
	}
	ev := rs.all()
	if len(ev) != timeoutAttempts-1 || !strings.Contains(ev[0].Reason, "said nothing") {
		t.Errorf("retry events = %+v, want %d naming the silence", ev, timeoutAttempts-1)
	}
}
