package sandbox

import (
	"bytes"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"time"
)

// KeyPair is an EC2 key pair. Only the public half is kept; the private
// key of a created pair is returned once, as on AWS.
type KeyPair struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"` // rsa, ed25519
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"public_key"` // OpenSSH format
	CreateTime  time.Time `json:"create_time"`
	Tags        []Tag     `json:"tags"`
}

func (k *KeyPair) fields(name string) ([]string, bool) {
	switch name {
	case "key-name":
		return []string{k.Name}, true
	case "key-pair-id":
		return []string{k.ID}, true
	case "fingerprint":
		return []string{k.Fingerprint}, true
	case "key-type":
		return []string{k.Type}, true
	}
	return nil, false
}

// sshString appends an SSH wire-format string (uint32 length + bytes).
func sshString(b *bytes.Buffer, s []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	b.Write(n[:])
	b.Write(s)
}

// sshMPInt encodes a non-negative big integer as an SSH mpint.
func sshMPInt(b *bytes.Buffer, v *big.Int) {
	raw := v.Bytes()
	if len(raw) > 0 && raw[0]&0x80 != 0 {
		raw = append([]byte{0}, raw...)
	}
	sshString(b, raw)
}

func rsaAuthorizedKey(pub *rsa.PublicKey) string {
	var b bytes.Buffer
	sshString(&b, []byte("ssh-rsa"))
	sshMPInt(&b, big.NewInt(int64(pub.E)))
	sshMPInt(&b, pub.N)
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(b.Bytes())
}

func ed25519AuthorizedKey(pub ed25519.PublicKey) (string, []byte) {
	var b bytes.Buffer
	sshString(&b, []byte("ssh-ed25519"))
	sshString(&b, pub)
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(b.Bytes()), b.Bytes()
}

func colonHex(sum []byte) string {
	h := hex.EncodeToString(sum)
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// parseAuthorizedKey reads an OpenSSH public key ("ssh-rsa AAAA... comment")
// and returns its type, canonical form and the fingerprint EC2 shows for an
// imported key: MD5 of the DER public key for RSA, SHA-256 (base64) of the
// key for ED25519
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/verify-keys.html).
func parseAuthorizedKey(material []byte) (typ, canonical, fingerprint string, err error) {
	fields := strings.Fields(string(material))
	if len(fields) < 2 {
		return "", "", "", errors.New("not an OpenSSH public key")
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return "", "", "", err
	}
	read := func() ([]byte, error) {
		if len(blob) < 4 {
			return nil, errors.New("short key")
		}
		n := binary.BigEndian.Uint32(blob)
		if uint32(len(blob)-4) < n {
			return nil, errors.New("short key")
		}
		v := blob[4 : 4+n]
		blob = blob[4+n:]
		return v, nil
	}
	name, err := read()
	if err != nil {
		return "", "", "", err
	}
	switch string(name) {
	case "ssh-rsa":
		e, err1 := read()
		n, err2 := read()
		if err1 != nil || err2 != nil || len(n) == 0 {
			return "", "", "", errors.New("bad RSA key")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 1024 {
			return "", "", "", errors.New("RSA key too short")
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", "", "", err
		}
		sum := md5.Sum(der)
		return "rsa", rsaAuthorizedKey(pub), colonHex(sum[:]), nil
	case "ssh-ed25519":
		k, err := read()
		if err != nil || len(k) != ed25519.PublicKeySize {
			return "", "", "", errors.New("bad ED25519 key")
		}
		canonical, wire := ed25519AuthorizedKey(ed25519.PublicKey(k))
		sum := sha256.Sum256(wire)
		return "ed25519", canonical, base64.StdEncoding.EncodeToString(sum[:]), nil
	}
	return "", "", "", errors.New("unsupported key type " + string(name))
}

func checkKeyName(c *call) (string, error) {
	name := c.p.Get("KeyName")
	if name == "" {
		return "", errMissing("KeyName")
	}
	if len(name) > 255 {
		return "", errBadRequest("InvalidParameterValue", "Key name must be at most 255 characters")
	}
	if c.r.EC2.Network.KeyPairs[name] != nil {
		return "", errBadRequest("InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", name)
	}
	return name, nil
}

func createKeyPair(c *call) (any, error) {
	name, err := checkKeyName(c)
	if err != nil {
		return nil, err
	}
	typ := c.p.Get("KeyType")
	if typ == "" {
		typ = "rsa"
	}
	if f := c.p.Get("KeyFormat"); f != "" && f != "pem" {
		return nil, errBadRequest("InvalidParameterValue", "The sandbox only returns keys in pem format.")
	}
	tags, err := tagSpecs(c, "key-pair")
	if err != nil {
		return nil, err
	}
	k := &KeyPair{ID: c.w.newID("key"), Name: name, Type: typ, CreateTime: c.now, Tags: tags}
	var material string
	switch typ {
	case "rsa":
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		material = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)}))
		// EC2 fingerprints a key it created with SHA-1 of the PKCS#8 private key.
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, err
		}
		sum := sha1.Sum(der)
		k.Fingerprint, k.PublicKey = colonHex(sum[:]), rsaAuthorizedKey(&priv.PublicKey)
	case "ed25519":
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, err
		}
		material = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		canonical, wire := ed25519AuthorizedKey(pub)
		sum := sha256.Sum256(wire)
		k.Fingerprint, k.PublicKey = base64.StdEncoding.EncodeToString(sum[:]), canonical
	default:
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter keyType is invalid. Valid values: rsa, ed25519.", typ)
	}
	c.r.EC2.Network.KeyPairs[name] = k
	return struct {
		KeyName        string   `xml:"keyName"`
		KeyFingerprint string   `xml:"keyFingerprint"`
		KeyMaterial    string   `xml:"keyMaterial"`
		KeyPairID      string   `xml:"keyPairId"`
		Tags           []xmlTag `xml:"tagSet>item"`
	}{k.Name, k.Fingerprint, material, k.ID, xmlTags(k.Tags)}, nil
}

func importKeyPair(c *call) (any, error) {
	name, err := checkKeyName(c)
	if err != nil {
		return nil, err
	}
	raw := c.p.Get("PublicKeyMaterial")
	if raw == "" {
		return nil, errMissing("PublicKeyMaterial")
	}
	// The SDK sends the blob base64-encoded; the CLI sends it as given.
	material, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		material = []byte(raw)
	}
	typ, canonical, fp, err := parseAuthorizedKey(material)
	if err != nil {
		return nil, errBadRequest("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
	}
	tags, err := tagSpecs(c, "key-pair")
	if err != nil {
		return nil, err
	}
	k := &KeyPair{ID: c.w.newID("key"), Name: name, Type: typ, Fingerprint: fp, PublicKey: canonical, CreateTime: c.now, Tags: tags}
	c.r.EC2.Network.KeyPairs[name] = k
	return struct {
		KeyName        string   `xml:"keyName"`
		KeyFingerprint string   `xml:"keyFingerprint"`
		KeyPairID      string   `xml:"keyPairId"`
		Tags           []xmlTag `xml:"tagSet>item"`
	}{k.Name, k.Fingerprint, k.ID, xmlTags(k.Tags)}, nil
}

type xmlKeyPair struct {
	KeyPairID      string   `xml:"keyPairId"`
	KeyName        string   `xml:"keyName"`
	KeyFingerprint string   `xml:"keyFingerprint"`
	KeyType        string   `xml:"keyType"`
	PublicKey      string   `xml:"publicKey,omitempty"`
	CreateTime     string   `xml:"createTime"`
	Tags           []xmlTag `xml:"tagSet>item"`
}

func describeKeyPairs(c *call) (any, error) {
	s := c.r.EC2.Network
	byID := map[string]*KeyPair{}
	for _, k := range s.KeyPairs {
		byID[k.ID] = k
	}
	names := c.p.List("KeyName")
	for _, n := range names {
		if s.KeyPairs[n] == nil {
			return nil, errBadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", n)
		}
	}
	keys, _, err := describe(c, byID, "KeyPairId", func(k *KeyPair) []Tag { return k.Tags }, func(k *KeyPair) fieldFunc { return k.fields }, 0)
	if err != nil {
		return nil, err
	}
	withPublic := c.p.Bool("IncludePublicKey", false)
	out := []xmlKeyPair{}
	for _, k := range keys {
		if len(names) > 0 && !slices.Contains(names, k.Name) {
			continue
		}
		x := xmlKeyPair{KeyPairID: k.ID, KeyName: k.Name, KeyFingerprint: k.Fingerprint, KeyType: k.Type, CreateTime: xmlTime(k.CreateTime), Tags: xmlTags(k.Tags)}
		if withPublic {
			x.PublicKey = k.PublicKey
		}
		out = append(out, x)
	}
	return struct {
		Keys []xmlKeyPair `xml:"keySet>item"`
	}{out}, nil
}

// deleteKeyPair deletes by name or id. Deleting a name that does not exist
// succeeds, as it does on EC2; an unknown id is InvalidKeyPair.NotFound.
func deleteKeyPair(c *call) (any, error) {
	s := c.r.EC2.Network
	name, id := c.p.Get("KeyName"), c.p.Get("KeyPairId")
	if name == "" && id == "" {
		return nil, errMissing("KeyName")
	}
	if id != "" {
		for n, k := range s.KeyPairs {
			if k.ID == id {
				name = n
			}
		}
		if name == "" {
			return nil, errBadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", id)
		}
	}
	k := s.KeyPairs[name]
	if k == nil {
		return ec2Bool{true}, nil
	}
	delete(s.KeyPairs, name)
	return struct {
		Return    bool   `xml:"return"`
		KeyPairID string `xml:"keyPairId"`
	}{true, k.ID}, nil
}
