package sandbox

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// protocol names the wire format a service speaks; it decides how a request
// is decoded and how results and errors are encoded.
type protocol int

const (
	protoEC2Query protocol = iota // EC2: form body, XML with <item> lists
	protoQuery                    // IAM, ELBv2, Auto Scaling, SNS, STS: form body, XML with <member> lists
	protoJSON                     // ACM, SSM: JSON 1.1 with X-Amz-Target
	protoCBOR                     // CloudWatch: Smithy RPC v2 CBOR
	protoRESTXML                  // Route 53
	protoS3                       // S3: REST-XML with a bare <Error>, raw bodies, HEAD
)

// APIError is an error as AWS reports it: a code the SDK maps to a typed
// error, a message, and the HTTP status the service uses for it.
type APIError struct {
	Status  int
	Code    string
	Message string
	// QueryCode, when set, is the AWS query error code a query-compatible
	// service (CloudWatch) sends in X-Amzn-Query-Error beside Code.
	QueryCode string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// apiErr builds an APIError with a formatted message.
func apiErr(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common constructors, named for the HTTP status they carry.
func errBadRequest(code, format string, args ...any) *APIError {
	return apiErr(http.StatusBadRequest, code, format, args...)
}

func errNotFound(code, format string, args ...any) *APIError {
	return apiErr(http.StatusNotFound, code, format, args...)
}

func errConflict(code, format string, args ...any) *APIError {
	return apiErr(http.StatusConflict, code, format, args...)
}

// params is a decoded query-protocol form body. AWS flattens lists and
// structures into dotted keys: "SubnetId.1" (EC2), "Subnets.member.1"
// (AWS query), "Filter.1.Value.2".
type params struct {
	v      url.Values
	prefix string
}

func newParams(v url.Values) params { return params{v: v} }

// Get returns the value of key, or "".
func (p params) Get(key string) string { return p.v.Get(p.prefix + key) }

// Has reports whether key was sent.
func (p params) Has(key string) bool { _, ok := p.v[p.prefix+key]; return ok }

// Int returns key as an int, def when absent, and an error naming the key when malformed.
func (p params) Int(key string, def int) (int, error) {
	s := p.Get(key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errBadRequest("ValidationError", "Value '%s' at '%s' is not a valid integer", s, key)
	}
	return n, nil
}

// Bool returns key as a bool, def when absent.
func (p params) Bool(key string, def bool) bool {
	s := p.Get(key)
	if s == "" {
		return def
	}
	return strings.EqualFold(s, "true")
}

// indexes returns the sorted list indexes N present under "prefix.N".
func (p params) indexes(prefix string) []int {
	full := p.prefix + prefix + "."
	seen := map[int]bool{}
	for k := range p.v {
		if !strings.HasPrefix(k, full) {
			continue
		}
		rest := k[len(full):]
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[:i]
		}
		if n, err := strconv.Atoi(rest); err == nil {
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// List returns the scalar list under prefix: List("SubnetId") reads
// SubnetId.1, SubnetId.2, ...; List("Subnets.member") the AWS query form.
func (p params) List(prefix string) []string {
	var out []string
	for _, n := range p.indexes(prefix) {
		out = append(out, p.Get(prefix+"."+strconv.Itoa(n)))
	}
	return out
}

// Structs returns one params per element of a list of structures:
// Structs("Filter") gives Filter.1.*, Filter.2.*, each read with its own Get.
func (p params) Structs(prefix string) []params {
	var out []params
	for _, n := range p.indexes(prefix) {
		out = append(out, params{v: p.v, prefix: p.prefix + prefix + "." + strconv.Itoa(n) + "."})
	}
	return out
}

// Struct returns the nested structure under prefix (e.g. "HealthCheck").
func (p params) Struct(prefix string) params {
	return params{v: p.v, prefix: p.prefix + prefix + "."}
}

// HasStruct reports whether any key was sent under prefix.
func (p params) HasStruct(prefix string) bool {
	full := p.prefix + prefix + "."
	for k := range p.v {
		if strings.HasPrefix(k, full) {
			return true
		}
	}
	return false
}

// Tag is a key/value pair as every service stores it.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Tags returns a list of Key/Value structures under prefix, e.g. "Tag"
// (EC2 TagSpecification.N.Tag), "Tags.member" (AWS query).
func (p params) Tags(prefix string) []Tag {
	var out []Tag
	for _, s := range p.Structs(prefix) {
		out = append(out, Tag{Key: s.Get("Key"), Value: s.Get("Value")})
	}
	return out
}

// Filters returns EC2-style filters: Filter.N.Name and Filter.N.Value.M.
func (p params) Filters() map[string][]string {
	out := map[string][]string{}
	for _, f := range p.Structs("Filter") {
		out[f.Get("Name")] = append(out[f.Get("Name")], f.List("Value")...)
	}
	return out
}

// Timestamps in XML bodies are ISO 8601 in UTC with milliseconds.
func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

var xmlNamespaces = map[string]string{
	"ec2":                  "http://ec2.amazonaws.com/doc/2016-11-15/",
	"iam":                  "https://iam.amazonaws.com/doc/2010-05-08/",
	"elasticloadbalancing": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
	"autoscaling":          "http://autoscaling.amazonaws.com/doc/2011-01-01/",
	"sns":                  "http://sns.amazonaws.com/doc/2010-03-31/",
	"sts":                  "https://sts.amazonaws.com/doc/2011-06-15/",
	"monitoring":           "http://monitoring.amazonaws.com/doc/2010-08-01/",
	"route53":              "https://route53.amazonaws.com/doc/2013-04-01/",
}

// writeEC2 writes an EC2 query response: <OpResponse> holding the fields of
// body (a struct with xml tags and no XMLName) and a requestId.
func writeEC2(w http.ResponseWriter, op, requestID string, body any) error {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	enc := xml.NewEncoder(w)
	start := xml.StartElement{Name: xml.Name{Local: op + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlNamespaces["ec2"]}}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if err := enc.EncodeElement(requestID, xml.StartElement{Name: xml.Name{Local: "requestId"}}); err != nil {
		return err
	}
	if body != nil {
		if err := encodeFields(enc, w, body); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	return enc.Flush()
}

// writeQuery writes an AWS query response: <OpResponse><OpResult>body</OpResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>.
func writeQuery(w http.ResponseWriter, service, op, requestID string, body any) error {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	enc := xml.NewEncoder(w)
	start := xml.StartElement{Name: xml.Name{Local: op + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlNamespaces[service]}}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	result := xml.StartElement{Name: xml.Name{Local: op + "Result"}}
	if err := enc.EncodeToken(result); err != nil {
		return err
	}
	if body != nil {
		if err := encodeFields(enc, w, body); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(result.End()); err != nil {
		return err
	}
	meta := struct {
		RequestID string `xml:"RequestId"`
	}{requestID}
	if err := enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		return err
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	return enc.Flush()
}

// encodeFields writes the fields of a struct as children of the element
// already open in enc (the struct's own element is not written); w is the
// writer under enc.
func encodeFields(enc *xml.Encoder, w io.Writer, body any) error {
	// Marshal into a throwaway wrapper, which keeps xml tag semantics (a>b
	// paths, omitempty), and write the wrapper's inside straight to w: the
	// bytes are already well-formed XML, and re-tokenizing them through
	// enc cost more than everything else a large response needs.
	raw, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"x"`
		Body    any
	}{Body: body})
	if err != nil {
		return err
	}
	// raw is <x><Body>...</Body></x>; the struct's fields are inside <Body>.
	open, close := []byte("<x><Body>"), []byte("</Body></x>")
	if !bytes.HasPrefix(raw, open) || !bytes.HasSuffix(raw, close) {
		if s := string(raw); s == "<x></x>" || s == "<x><Body></Body></x>" {
			return nil
		}
		return fmt.Errorf("encode fields: unexpected shape %q", raw[:min(len(raw), 40)])
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err = w.Write(raw[len(open) : len(raw)-len(close)])
	return err
}

// writeRESTXML writes a REST-XML body whose root element is root.
func writeRESTXML(w http.ResponseWriter, status int, root string, body any) error {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	if body == nil {
		return nil
	}
	enc := xml.NewEncoder(w)
	start := xml.StartElement{Name: xml.Name{Local: root}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlNamespaces["route53"]}}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if err := encodeFields(enc, w, body); err != nil {
		return err
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	return enc.Flush()
}

func writeJSON(w http.ResponseWriter, body any) error {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusOK)
	if body == nil {
		body = struct{}{}
	}
	return json.NewEncoder(w).Encode(body)
}

// cborEnc encodes timestamps as epoch seconds under tag 1, as Smithy RPC v2
// CBOR requires.
func cborEncMode() cbor.EncMode {
	em, err := cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		panic(err) // static options; cannot fail
	}
	return em
}

func writeCBOR(w http.ResponseWriter, em cbor.EncMode, body any) error {
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	if body == nil {
		body = map[string]any{}
	}
	b, err := em.Marshal(body)
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}

// writeError encodes e as the protocol expects.
func writeError(w http.ResponseWriter, p protocol, em cbor.EncMode, requestID string, e *APIError) {
	w.Header().Set("X-Amzn-RequestId", requestID)
	if code, ok := cwQueryErrorCodes[e.Code]; ok && (p == protoCBOR || p == protoJSON) {
		w.Header().Set("X-Amzn-Query-Error", code+";Sender")
	}
	if e.QueryCode != "" && (p == protoCBOR || p == protoJSON) {
		w.Header().Set("X-Amzn-Query-Error", e.QueryCode+";Sender")
	}
	switch p {
	case protoEC2Query:
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(e.Status)
		type ec2Err struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		}
		_ = xml.NewEncoder(w).Encode(struct {
			XMLName   xml.Name `xml:"Response"`
			Errors    []ec2Err `xml:"Errors>Error"`
			RequestID string   `xml:"RequestID"`
		}{Errors: []ec2Err{{e.Code, e.Message}}, RequestID: requestID})
	case protoQuery, protoRESTXML:
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.Status)
		kind := "Sender"
		if e.Status >= 500 {
			kind = "Receiver"
		}
		type qErr struct {
			Type    string `xml:"Type"`
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		}
		out := struct {
			XMLName   xml.Name
			Xmlns     string `xml:"xmlns,attr,omitempty"`
			Error     qErr   `xml:"Error"`
			RequestID string `xml:"RequestId"`
		}{XMLName: xml.Name{Local: "ErrorResponse"}, Error: qErr{kind, e.Code, e.Message}, RequestID: requestID}
		if p == protoRESTXML {
			out.Xmlns = xmlNamespaces["route53"]
		}
		_ = xml.NewEncoder(w).Encode(out)
	case protoS3:
		writeS3Error(w, requestID, e)
	case protoJSON:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
	case protoCBOR:
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.WriteHeader(e.Status)
		b, _ := em.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		_, _ = w.Write(b)
	}
}
