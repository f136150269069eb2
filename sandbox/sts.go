package sandbox

import "fmt"

func stsHandlers() map[string]handler {
	return map[string]handler{
		"GetCallerIdentity": stsGetCallerIdentity,
	}
}

// stsGetCallerIdentity answers as an IAM user of the sandbox account; the
// sandbox accepts any credentials, so every caller is the same user.
func stsGetCallerIdentity(c *call) (any, error) {
	return struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	}{
		Arn:     fmt.Sprintf("arn:aws:iam::%s:user/sandbox", AccountID),
		UserID:  "AIDASANDBOXUSER00001",
		Account: AccountID,
	}, nil
}
