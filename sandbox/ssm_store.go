package sandbox

import "strconv"

// SSMState is a region's own parameters, beside the public ones AWS and
// Canonical publish: what PutParameter writes (stackwiz keeps its lease on
// a stack there).
type SSMState struct {
	Parameters map[string]*ssmParameter `json:"parameters"`
}

func newSSMState() *SSMState { return &SSMState{Parameters: map[string]*ssmParameter{}} }

type putParameterIn struct {
	Name      string `json:"Name"`
	Value     string `json:"Value"`
	Type      string `json:"Type"`
	Overwrite bool   `json:"Overwrite"`
}

// ssmPutParameter stores a String parameter. Without Overwrite an existing
// name is ParameterAlreadyExists: the conditional write a lease needs.
func ssmPutParameter(c *call, in *putParameterIn) (any, error) {
	switch {
	case in.Name == "" || in.Value == "":
		return nil, errBadRequest("ValidationException", "1 validation error detected: Name and Value must not be empty")
	case len(in.Value) > 4096:
		return nil, errBadRequest("ValidationException", "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to 4096")
	}
	if _, public := c.r.publicParameter(in.Name); public {
		return nil, errBadRequest("AccessDeniedException", "No access to reserved parameter name: %s.", in.Name)
	}
	old, exists := c.r.SSM.Parameters[in.Name]
	if exists && !in.Overwrite {
		return nil, errBadRequest("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	}
	version := 1
	if exists {
		version = old.Version + 1
	}
	kind := in.Type
	if kind == "" {
		kind = "String"
	}
	c.r.SSM.Parameters[in.Name] = &ssmParameter{
		Name: in.Name, Type: kind, Value: in.Value, Version: version, DataType: "text",
		LastModifiedDate: float64(c.now.UnixMilli()) / 1000,
		ARN:              "arn:aws:ssm:" + c.region + ":" + AccountID + ":parameter" + in.Name,
	}
	return struct {
		Version int    `json:"Version"`
		Tier    string `json:"Tier"`
	}{version, "Standard"}, nil
}

type deleteParameterIn struct {
	Name string `json:"Name"`
}

func ssmDeleteParameter(c *call, in *deleteParameterIn) (any, error) {
	if _, ok := c.r.SSM.Parameters[in.Name]; !ok {
		return nil, errBadRequest("ParameterNotFound", "Parameter %s not found.", in.Name)
	}
	delete(c.r.SSM.Parameters, in.Name)
	return struct{}{}, nil
}

// storedParameter resolves NAME or NAME:VERSION among the region's own.
func (r *Region) storedParameter(name, selector string) (*ssmParameter, bool) {
	p, ok := r.SSM.Parameters[name]
	if !ok || (selector != "" && selector != strconv.Itoa(p.Version)) {
		return nil, false
	}
	cp := *p
	return &cp, true
}
