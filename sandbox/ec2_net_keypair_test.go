package sandbox

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Keys made with ssh-keygen; fingerprints from
// `ssh-keygen -e -m PKCS8 | openssl pkey -pubin -outform DER | openssl md5 -c`
// (RSA) and `ssh-keygen -l` (ED25519), the methods AWS documents for
// imported keys.
const (
	testRSAPub     = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDTsi27NVugdxxWBqcBwcyJayUE4EcSpI3PwByPtnRk0h8NOnCmHCGCpxbzCW6+Q26/4UolPYX9Nci0D6ZIrmnVvEAanvhuGHrd+9krvgii1qpuqYZP8TaEZKT7zeka9NcOmZ1Uod2eB8gye+Iac6gc4SGrg5qbHJninmpKY94XiJfIUoSQPd5kRQUblchM8no5bGWTtVO3nqpZl3XwmRdFZVCjaBjRcGsrukGcjlWfCuUr62iEHQt+RrLVYPWv84CrVQtLG5f5Ymore0bk740Bn0DhhD3JrxOhhNLfSe+RAQt5z2UeBplSN6yL+sHIfkqFGRQU/7g5hdUz//CZI3NJ test@stackwiz"
	testRSAFP      = "b6:86:9e:75:2d:70:7f:6f:63:c7:74:95:cf:15:b1:86"
	testED25519Pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC7nJIuyx8CpLTA2+vu/cjXCqX4deer2KaTGuhfQbfpc test@stackwiz"
	testED25519FP  = "3J3vBqw1weCADrxmLPcXl3om4SxJYD8FpDluWtFKFNw="
)

func TestImportKeyPairFingerprintsAsAWSDoes(t *testing.T) {
	f := newNetFixture(t)
	cases := []struct {
		name, material, typ, fingerprint, code string
	}{
		{"rsa", testRSAPub, "rsa", testRSAFP, ""},
		{"ed25519", testED25519Pub, "ed25519", testED25519FP, ""},
		{"garbage", "ssh-rsa not-base64!", "", "", "InvalidKey.Format"},
		{"private key pasted by mistake", "-----BEGIN OPENSSH PRIVATE KEY-----", "", "", "InvalidKey.Format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := testCtx(t)
			out, err := f.ec2.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String("k-" + c.name), PublicKeyMaterial: []byte(c.material),
				TagSpecifications: tagSpec(types.ResourceTypeKeyPair, "owner", "ops")})
			wantCode(t, err, c.code)
			if err != nil {
				return
			}
			if aws.ToString(out.KeyFingerprint) != c.fingerprint || !validID(aws.ToString(out.KeyPairId), "key") || tagValue(out.Tags, "owner") != "ops" {
				t.Fatalf("ImportKeyPair = %+v", out)
			}
			desc := must[*ec2.DescribeKeyPairsOutput](t)(f.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"k-" + c.name}, IncludePublicKey: aws.Bool(true)}))
			k := desc.KeyPairs[0]
			if string(k.KeyType) != c.typ || aws.ToString(k.KeyFingerprint) != c.fingerprint || !strings.HasPrefix(c.material, aws.ToString(k.PublicKey)) || k.CreateTime == nil {
				t.Fatalf("DescribeKeyPairs = %+v", k)
			}
		})
	}
}

func TestCreateKeyPairReturnsUsablePrivateKeyOnce(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	out := must[*ec2.CreateKeyPairOutput](t)(f.ec2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("deploy")}))
	block, _ := pem.Decode([]byte(aws.ToString(out.KeyMaterial)))
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		t.Fatalf("key material is not an RSA PEM key: %q", aws.ToString(out.KeyMaterial))
	}
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	// AWS fingerprints keys it creates with SHA-1 of the PKCS#8 private key.
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	sum := sha1.Sum(der)
	var parts []string
	for _, b := range sum {
		parts = append(parts, fmt.Sprintf("%02x", b))
	}
	if want := strings.Join(parts, ":"); aws.ToString(out.KeyFingerprint) != want {
		t.Fatalf("fingerprint = %s, want %s", aws.ToString(out.KeyFingerprint), want)
	}
	ed := must[*ec2.CreateKeyPairOutput](t)(f.ec2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("deploy-ed"), KeyType: types.KeyTypeEd25519}))
	if !strings.Contains(aws.ToString(ed.KeyMaterial), "PRIVATE KEY") {
		t.Fatalf("ed25519 key material = %q", aws.ToString(ed.KeyMaterial))
	}

	_, err = f.ec2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("deploy")})
	wantCode(t, err, "InvalidKeyPair.Duplicate")
	_, err = f.ec2.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String("deploy"), PublicKeyMaterial: []byte(testRSAPub)})
	wantCode(t, err, "InvalidKeyPair.Duplicate")

	all := must[*ec2.DescribeKeyPairsOutput](t)(f.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{}))
	if len(all.KeyPairs) != 2 || all.KeyPairs[0].PublicKey != nil {
		t.Fatalf("DescribeKeyPairs = %+v (public keys only when asked)", all.KeyPairs)
	}
	byType := must[*ec2.DescribeKeyPairsOutput](t)(f.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: []types.Filter{filter("key-type", "ed25519")}}))
	if len(byType.KeyPairs) != 1 || aws.ToString(byType.KeyPairs[0].KeyName) != "deploy-ed" {
		t.Fatalf("key-type filter = %+v", byType.KeyPairs)
	}
	if inv := inventoryTypes(f.Inventory()); inv["ec2:key-pair"] != 2 {
		t.Fatalf("inventory = %v", inv)
	}

	del := must[*ec2.DeleteKeyPairOutput](t)(f.ec2.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String("deploy")}))
	if aws.ToString(del.KeyPairId) != aws.ToString(out.KeyPairId) {
		t.Fatalf("DeleteKeyPair = %+v", del)
	}
	// Deleting a name that is gone succeeds, as on EC2; an unknown id does not.
	must[*ec2.DeleteKeyPairOutput](t)(f.ec2.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String("deploy")}))
	_, err = f.ec2.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: aws.String("key-0123456789abcdef0")})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	must[*ec2.DeleteKeyPairOutput](t)(f.ec2.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: ed.KeyPairId}))
	_, err = f.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"deploy"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	_, err = f.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyPairIds: []string{aws.ToString(out.KeyPairId)}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
}
