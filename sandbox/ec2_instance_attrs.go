package sandbox

// describeInstanceAttribute answers one attribute of an instance, as EC2
// does: userData (base64, as sent; absent when there is none),
// instanceType and instanceInitiatedShutdownBehavior.
func describeInstanceAttribute(c *call) (any, error) {
	id, attr := c.p.Get("InstanceId"), c.p.Get("Attribute")
	switch {
	case id == "":
		return nil, errMissing("InstanceId")
	case attr == "":
		return nil, errMissing("Attribute")
	}
	in := c.r.instance(id)
	if in == nil {
		return nil, errNoID(id)
	}
	type value struct {
		Value string `xml:"value"`
	}
	out := struct {
		InstanceID   string `xml:"instanceId"`
		UserData     *value `xml:"userData,omitempty"`
		InstanceType *value `xml:"instanceType,omitempty"`
		Shutdown     *value `xml:"instanceInitiatedShutdownBehavior,omitempty"`
	}{InstanceID: id}
	switch attr {
	case "userData":
		out.UserData = &value{}
		if in.UserData != "" {
			out.UserData.Value = in.UserData
		}
	case "instanceType":
		out.InstanceType = &value{in.InstanceType}
	case "instanceInitiatedShutdownBehavior":
		out.Shutdown = &value{"stop"}
	default:
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}
