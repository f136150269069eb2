package sandbox

import (
	"strconv"
	"strings"
	"time"
)

// SSM answers the public parameters AWS publishes for current AMIs
// (/aws/service/ami-amazon-linux-latest/..., /aws/service/canonical/...);
// they resolve to the region's built-in images. The sandbox has no
// account parameters.

func ssmHandlers() map[string]handler {
	return map[string]handler{
		"GetParameter":    jsonOp(ssmGetParameter),
		"GetParameters":   jsonOp(ssmGetParameters),
		"PutParameter":    jsonOp(ssmPutParameter),
		"DeleteParameter": jsonOp(ssmDeleteParameter),
	}
}

// publicParameter returns the AMI id a public SSM parameter names in this
// region.
func (r *Region) publicParameter(name string) (string, bool) {
	for _, p := range publicImages() {
		for _, n := range p.SSMNames {
			if n == name {
				id := publicImageID(r.Name, p.Name)
				_, ok := r.EC2.Compute.Images[id]
				return id, ok
			}
		}
	}
	return "", false
}

type ssmParameter struct {
	Name             string  `json:"Name"`
	Type             string  `json:"Type"`
	Value            string  `json:"Value"`
	Version          int     `json:"Version"`
	LastModifiedDate float64 `json:"LastModifiedDate"` // epoch seconds, as JSON 1.1 sends timestamps
	ARN              string  `json:"ARN"`
	DataType         string  `json:"DataType"`
	Selector         string  `json:"Selector,omitempty"`
}

// lookupParameter resolves a name (optionally NAME:VERSION) to a parameter.
func lookupParameter(c *call, name string) (*ssmParameter, bool) {
	base, selector, _ := strings.Cut(name, ":")
	if p, ok := c.r.storedParameter(base, selector); ok {
		return p, true
	}
	id, ok := c.r.publicParameter(base)
	if !ok {
		return nil, false
	}
	created := c.r.EC2.Compute.Images[id].CreationDate
	// The parameter was updated to this image a few hours after Amazon or
	// Canonical published it; its version counts releases since 2023.
	version := 100 + int(created.Sub(time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)).Hours()/24/14)
	if selector != "" && selector != strconv.Itoa(version) {
		return nil, false
	}
	return &ssmParameter{
		Name: base, Type: "String", Value: id, Version: version,
		LastModifiedDate: float64(created.Add(3*time.Hour).UnixMilli()) / 1000,
		ARN:              "arn:aws:ssm:" + c.region + "::parameter" + base,
		DataType:         "text",
		Selector:         selectorOf(selector),
	}, true
}

func selectorOf(s string) string {
	if s == "" {
		return ""
	}
	return ":" + s
}

type getParameterIn struct {
	Name           string `json:"Name"`
	WithDecryption bool   `json:"WithDecryption"`
}

func ssmGetParameter(c *call, in *getParameterIn) (any, error) {
	if in.Name == "" {
		return nil, errBadRequest("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	p, ok := lookupParameter(c, in.Name)
	if !ok {
		return nil, errBadRequest("ParameterNotFound", "Parameter %s not found.", in.Name)
	}
	return struct {
		Parameter *ssmParameter `json:"Parameter"`
	}{p}, nil
}

type getParametersIn struct {
	Names          []string `json:"Names"`
	WithDecryption bool     `json:"WithDecryption"`
}

// ssmGetParameters answers what it knows and lists the rest as
// InvalidParameters, without failing the call.
func ssmGetParameters(c *call, in *getParametersIn) (any, error) {
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return nil, errBadRequest("ValidationException", "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	out := struct {
		Parameters        []*ssmParameter `json:"Parameters"`
		InvalidParameters []string        `json:"InvalidParameters"`
	}{Parameters: []*ssmParameter{}, InvalidParameters: []string{}}
	for _, n := range in.Names {
		if p, ok := lookupParameter(c, n); ok {
			out.Parameters = append(out.Parameters, p)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, n)
		}
	}
	return out, nil
}
