package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Instance states, with the codes EC2 reports beside them.
const (
	statePending      = "pending"
	stateRunning      = "running"
	stateShuttingDown = "shutting-down"
	stateTerminated   = "terminated"
	stateStopping     = "stopping"
	stateStopped      = "stopped"
)

func stateCode(state string) int {
	switch state {
	case stateRunning:
		return 16
	case stateShuttingDown:
		return 32
	case stateTerminated:
		return 48
	case stateStopping:
		return 64
	case stateStopped:
		return 80
	}
	return 0
}

// runInstances launches MinCount..MaxCount instances in one reservation. A
// retry with the same ClientToken answers the first call's reservation.
func runInstances(c *call) (any, error) {
	s := c.r.EC2.Compute
	minCount, err := c.p.Int("MinCount", 0)
	if err != nil {
		return nil, err
	}
	maxCount, err := c.p.Int("MaxCount", 0)
	if err != nil {
		return nil, err
	}
	switch {
	case !c.p.Has("MinCount"):
		return nil, errMissing("MinCount")
	case !c.p.Has("MaxCount"):
		return nil, errMissing("MaxCount")
	case minCount < 1:
		return nil, errBadRequest("InvalidParameterValue", "Value (%d) for parameter minCount is invalid. Expected a positive integer.", minCount)
	case maxCount < minCount:
		return nil, errBadRequest("InvalidParameterValue", "Value (%d) for parameter maxCount is invalid. Expected a value greater than or equal to minCount.", maxCount)
	}
	token := c.p.Get("ClientToken")
	fingerprint := requestFingerprint(c.p)
	if token != "" {
		if rec := s.ClientTokens["RunInstances/"+token]; rec != nil {
			if rec.Fingerprint != fingerprint {
				return nil, errBadRequest("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
			}
			return reservationXMLOf(c.r, rec.ResourceID, s.reservation(rec.ResourceID)), nil
		}
	}
	spec, aerr := c.r.launchSpecFromParams(c.p)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := c.r.resolveLaunch(c.now, c.d, &spec); aerr != nil {
		return nil, aerr
	}
	if c.p.Bool("DryRun", false) {
		return nil, apiErr(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	resID := c.w.newID("r")
	var launched []*Instance
	for i := range maxCount {
		in, aerr := c.r.startInstance(c.now, c.d, &spec, resID, i)
		if aerr != nil {
			if i >= minCount {
				break // EC2 launches as many as it can between MinCount and MaxCount
			}
			for _, in := range launched {
				c.r.deleteENIsOf(in.ID)
				delete(s.Instances, in.ID)
			}
			return nil, aerr
		}
		launched = append(launched, in)
	}
	if token != "" {
		s.ClientTokens["RunInstances/"+token] = &ClientTokenRecord{Fingerprint: fingerprint, ResourceID: resID}
	}
	return reservationXMLOf(c.r, resID, launched), nil
}

// requestFingerprint summarises a query request without its ClientToken, to
// tell an idempotent retry from a different request reusing a token.
func requestFingerprint(p params) string {
	keys := make([]string, 0, len(p.v))
	for k := range p.v {
		if k != "ClientToken" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "=" + strings.Join(p.v[k], ",") + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// reservation returns the visible instances of a reservation, by launch index.
func (s *EC2Compute) reservation(id string) []*Instance {
	var out []*Instance
	for _, in := range s.Instances {
		if in.ReservationID == id {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LaunchIndex < out[j].LaunchIndex })
	return out
}

// instanceField gives an instance's values for a DescribeInstances filter.
func instanceField(r *Region, in *Instance, name string) ([]string, bool) {
	one := func(v string) ([]string, bool) {
		if v == "" {
			return nil, true
		}
		return []string{v}, true
	}
	gone := in.State == stateTerminated // it has left its subnet, VPC and groups
	switch name {
	case "instance-id":
		return one(in.ID)
	case "instance-state-name":
		return one(in.State)
	case "instance-state-code":
		return one(strconv.Itoa(stateCode(in.State)))
	case "subnet-id", "vpc-id", "instance.group-id", "network-interface.group-id":
		if gone {
			return nil, true
		}
		switch name {
		case "subnet-id":
			return one(in.SubnetID)
		case "vpc-id":
			return one(in.VpcID)
		}
		return in.SecurityGroups, true
	case "image-id":
		return one(in.ImageID)
	case "instance-type":
		return one(in.InstanceType)
	case "availability-zone":
		return one(in.AZ)
	case "private-ip-address":
		return one(in.PrivateIP)
	case "ip-address":
		return one(in.PublicIP)
	case "key-name":
		return one(in.KeyName)
	case "reservation-id":
		return one(in.ReservationID)
	case "architecture":
		return one(in.Architecture)
	case "iam-instance-profile.arn":
		return one(in.IAMInstanceProfileArn)
	case "client-token":
		return one(in.ClientToken)
	case "network-interface.network-interface-id":
		return one(in.ENIID)
	case "metadata-options.http-tokens":
		return one(in.HTTPTokens)
	case "launch-time":
		return one(xmlTime(in.LaunchTime))
	case "private-dns-name":
		if in.PrivateIP == "" {
			return nil, true
		}
		return one(privateDNSName(r.Name, in.PrivateIP))
	}
	return nil, false
}

func instanceFields(r *Region) func(*Instance) fieldFunc {
	return func(in *Instance) fieldFunc {
		if in == nil {
			in = &Instance{}
		}
		return func(name string) ([]string, bool) { return instanceField(r, in, name) }
	}
}

func instanceTags(in *Instance) []Tag {
	if in == nil {
		return nil
	}
	return in.Tags
}

// describeInstances lists instances grouped in their reservations.
// Terminated instances stay visible for a while, as on EC2.
func describeInstances(c *call) (any, error) {
	if c.p.Has("MaxResults") && len(c.p.List("InstanceId")) > 0 {
		return nil, errBadRequest("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	list, next, err := describe(c, c.r.EC2.Compute.Instances, "InstanceId", instanceTags, instanceFields(c.r), 5)
	if err != nil {
		return nil, err
	}
	var order []string
	byRes := map[string][]*Instance{}
	for _, in := range list {
		if _, ok := byRes[in.ReservationID]; !ok {
			order = append(order, in.ReservationID)
		}
		byRes[in.ReservationID] = append(byRes[in.ReservationID], in)
	}
	out := struct {
		Reservations []reservationXML `xml:"reservationSet>item"`
		NextToken    string           `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, id := range order {
		out.Reservations = append(out.Reservations, reservationXMLOf(c.r, id, byRes[id]))
	}
	return out, nil
}

// startsApp reports whether anything will listen on the instance once it
// has booted: its user data runs a script, or its image was baked from an
// instance that served an app (the image remembers what was installed and
// enabled). The public images serve nothing by themselves, so an instance
// of one without user data never passes an HTTP health check — on AWS the
// connection is refused and the target stays unhealthy.
func (s *EC2Compute) startsApp(in *Instance) bool {
	if userDataRunsSomething(in.UserData) {
		return true
	}
	im := s.Images[in.ImageID]
	return im != nil && im.StartsApp
}

// userDataRunsSomething reports whether base64 user data holds anything
// cloud-init would run: a line that is neither blank nor a comment (the
// "#!" line included). What the script starts, and on which port, the
// sandbox does not guess.
func userDataRunsSomething(encoded string) bool {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return true
		}
	}
	return false
}

// instanceStatus is what the status checks say: they pass once the instance
// has booted, and do not apply to an instance that is not running.
func instanceStatus(in *Instance, now time.Time) string {
	switch {
	case in.State != stateRunning:
		return "not-applicable"
	case now.Before(in.ReadyAt):
		return "initializing"
	}
	return "ok"
}

// describeInstanceStatus reports status checks, of running instances only
// unless IncludeAllInstances is set.
func describeInstanceStatus(c *call) (any, error) {
	all := c.p.Bool("IncludeAllInstances", false)
	s := c.r.EC2.Compute
	fields := func(in *Instance) fieldFunc {
		if in == nil {
			in = &Instance{}
		}
		return func(name string) ([]string, bool) {
			switch name {
			case "availability-zone":
				return []string{in.AZ}, true
			case "instance-state-name":
				return []string{in.State}, true
			case "instance-state-code":
				return []string{strconv.Itoa(stateCode(in.State))}, true
			case "instance-status.status", "system-status.status":
				return []string{instanceStatus(in, c.now)}, true
			}
			return nil, false
		}
	}
	fs := filterSet(c.p.Filters())
	ids, err := selectIDs(s.Instances, c.p.List("InstanceId"))
	if err != nil {
		return nil, err
	}
	var matched []string
	for _, id := range ids {
		in := s.Instances[id]
		if !all && in.State != stateRunning {
			continue
		}
		if ok, err := fs.match(nil, fields(in)); err != nil {
			return nil, err
		} else if ok {
			matched = append(matched, id)
		}
	}
	matched, next, err := page(c, matched, 5)
	if err != nil {
		return nil, err
	}
	type detail struct {
		Name   string `xml:"name"`
		Status string `xml:"status"`
	}
	type summary struct {
		Status  string   `xml:"status"`
		Details []detail `xml:"details>item"`
	}
	type statusXML struct {
		InstanceID     string   `xml:"instanceId"`
		AZ             string   `xml:"availabilityZone"`
		AZID           string   `xml:"availabilityZoneId"`
		State          stateXML `xml:"instanceState"`
		InstanceStatus summary  `xml:"instanceStatus"`
		SystemStatus   summary  `xml:"systemStatus"`
		AttachedEBS    summary  `xml:"attachedEbsStatus"`
	}
	out := struct {
		Statuses  []statusXML `xml:"instanceStatusSet>item"`
		NextToken string      `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, id := range matched {
		in := s.Instances[id]
		st := instanceStatus(in, c.now)
		check := summary{Status: st}
		switch st {
		case "ok":
			check.Details = []detail{{"reachability", "passed"}}
		case "initializing":
			check.Details = []detail{{"reachability", "initializing"}}
		}
		out.Statuses = append(out.Statuses, statusXML{
			InstanceID: in.ID, AZ: in.AZ, AZID: azID(c.r.Name, in.AZ), State: stateOf(in.State),
			InstanceStatus: check, SystemStatus: check, AttachedEBS: check,
		})
	}
	return out, nil
}

// stateChangeXML is one item of Terminate/Stop/StartInstances.
type stateChangeXML struct {
	InstanceID string   `xml:"instanceId"`
	Current    stateXML `xml:"currentState"`
	Previous   stateXML `xml:"previousState"`
}

// changeStates applies f to each named instance after checking that they
// all exist, as EC2 refuses the whole call for one unknown id.
func changeStates(c *call, f func(in *Instance) (prev string, err *APIError)) (any, error) {
	ids := c.p.List("InstanceId")
	if len(ids) == 0 {
		return nil, errMissing("InstanceId")
	}
	var missing []string
	for _, id := range ids {
		if c.r.instance(id) == nil {
			missing = append(missing, id)
		}
	}
	switch {
	case len(missing) == 1:
		return nil, errNoID(missing[0])
	case len(missing) > 1:
		return nil, errBadRequest("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
	var items []stateChangeXML
	for _, id := range ids {
		in := c.r.instance(id)
		prev, err := f(in)
		if err != nil {
			return nil, err
		}
		items = append(items, stateChangeXML{InstanceID: id, Current: stateOf(in.State), Previous: stateOf(prev)})
	}
	return struct {
		Items []stateChangeXML `xml:"instancesSet>item"`
	}{items}, nil
}

func terminateInstances(c *call) (any, error) {
	s := c.r.EC2.Compute
	return changeStates(c, func(in *Instance) (string, *APIError) {
		return s.terminate(in, c.now, c.d), nil
	})
}

// stopInstances stops running instances; their public IP goes with them.
func stopInstances(c *call) (any, error) {
	s := c.r.EC2.Compute
	return changeStates(c, func(in *Instance) (string, *APIError) {
		prev := in.State
		switch prev {
		case stateStopping, stateStopped:
		case stateRunning:
			in.State = stateStopping
			in.StopAt = c.now.Add(c.d.InstanceShutdown)
			c.r.releasePublicIP(in)
			s.wake(in.StopAt)
		default:
			return "", errBadRequest("IncorrectInstanceState", "This instance '%s' is not in a state from which it can be stopped.", in.ID)
		}
		return prev, nil
	})
}

// startInstances boots stopped instances again, with a new public IP.
func startInstances(c *call) (any, error) {
	s := c.r.EC2.Compute
	return changeStates(c, func(in *Instance) (string, *APIError) {
		prev := in.State
		switch prev {
		case statePending, stateRunning:
		case stateStopped:
			if sn := c.r.subnet(in.SubnetID); sn != nil && sn.MapPublicIP {
				in.PublicIP = c.r.allocatePublicIP()
				if eni := c.r.EC2.Network.ENIs[in.ENIID]; eni != nil {
					eni.PublicIP = in.PublicIP
				}
			}
			s.boot(in, c.now, c.d)
		default:
			return "", errBadRequest("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be started.", in.ID)
		}
		return prev, nil
	})
}

func (r *Region) releasePublicIP(in *Instance) {
	in.PublicIP = ""
	if eni := r.EC2.Network.ENIs[in.ENIID]; eni != nil {
		eni.PublicIP = ""
	}
}
