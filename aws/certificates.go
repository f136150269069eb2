package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/acm"
)

// Certificates wraps the acm calls stackwiz makes.
type Certificates struct{ api certificatesAPI }

// certificatesAPI lists only the SDK methods Certificates calls.
type certificatesAPI interface {
	DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
}
