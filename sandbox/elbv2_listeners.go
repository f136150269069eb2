package sandbox

import (
	"reflect"
	"slices"
	"strconv"
	"time"
)

// Listener is a load balancer listener with its default rule's actions.
// Only the default rule exists; DescribeRules shows it.
type Listener struct {
	ARN             string    `json:"arn"`
	LoadBalancerARN string    `json:"load_balancer_arn"`
	Port            int       `json:"port"`
	Protocol        string    `json:"protocol"` // HTTP, HTTPS
	SslPolicy       string    `json:"ssl_policy,omitempty"`
	Certificates    []string  `json:"certificates,omitempty"` // ACM ARNs; the first is the default
	DefaultActions  []Action  `json:"default_actions"`
	DefaultRuleARN  string    `json:"default_rule_arn"`
	CreatedTime     time.Time `json:"created_time"`
	RuleTags        []Tag     `json:"rule_tags"`
	Tags            []Tag     `json:"tags"`
}

// Action is a listener action: forward, redirect or fixed-response.
type Action struct {
	Type               string          `json:"type"`
	Order              int             `json:"order,omitempty"`
	TargetGroupARN     string          `json:"target_group_arn,omitempty"` // forward to one group
	Forward            []WeightedGroup `json:"forward,omitempty"`          // forward, as ForwardConfig
	StickinessEnabled  bool            `json:"stickiness_enabled,omitempty"`
	StickinessDuration int             `json:"stickiness_duration,omitempty"`
	Redirect           *Redirect       `json:"redirect,omitempty"`
	FixedResponse      *FixedResponse  `json:"fixed_response,omitempty"`
}

// WeightedGroup is a target group in a forward action.
type WeightedGroup struct {
	TargetGroupARN string `json:"target_group_arn"`
	Weight         int    `json:"weight"`
}

// Redirect is a redirect action's URL parts; "#{...}" keeps the original.
type Redirect struct {
	Protocol   string `json:"protocol"`
	Port       string `json:"port"`
	Host       string `json:"host"`
	Path       string `json:"path"`
	Query      string `json:"query"`
	StatusCode string `json:"status_code"` // HTTP_301, HTTP_302
}

// FixedResponse is a fixed-response action.
type FixedResponse struct {
	StatusCode  string `json:"status_code"`
	ContentType string `json:"content_type,omitempty"`
	MessageBody string `json:"message_body,omitempty"`
}

// targetGroups returns the groups the listener's actions forward to.
func (l *Listener) targetGroups() []string {
	var out []string
	for _, a := range l.DefaultActions {
		if a.TargetGroupARN != "" {
			out = append(out, a.TargetGroupARN)
		}
		for _, w := range a.Forward {
			if w.TargetGroupARN != a.TargetGroupARN {
				out = append(out, w.TargetGroupARN)
			}
		}
	}
	return out
}

// forwardsTo reports whether the listener's actions forward to a target
// group; it runs on every tick, so it does not allocate.
func (l *Listener) forwardsTo(tgARN string) bool {
	for _, a := range l.DefaultActions {
		if a.TargetGroupARN == tgARN {
			return true
		}
		for _, w := range a.Forward {
			if w.TargetGroupARN == tgARN {
				return true
			}
		}
	}
	return false
}

// actionsFrom reads and validates DefaultActions for a listener of lb.
func actionsFrom(c *call, prefix string, lb *LoadBalancer) ([]Action, *APIError) {
	s := c.r.ELB
	var out []Action
	terminal := 0
	for _, p := range c.p.Structs(prefix) {
		a := Action{Type: p.Get("Type")}
		if n, err := p.Int("Order", 0); err == nil {
			a.Order = n
		}
		switch a.Type {
		case "forward":
			terminal++
			a.TargetGroupARN = p.Get("TargetGroupArn")
			fc := p.Struct("ForwardConfig")
			for _, w := range fc.Structs("TargetGroups.member") {
				weight, err := w.Int("Weight", 1)
				if err != nil || weight < 0 || weight > 999 {
					return nil, errBadRequest("ValidationError", "Target group weight must be from 0 to 999")
				}
				a.Forward = append(a.Forward, WeightedGroup{TargetGroupARN: w.Get("TargetGroupArn"), Weight: weight})
			}
			a.StickinessEnabled = fc.Bool("TargetGroupStickinessConfig.Enabled", false)
			a.StickinessDuration, _ = fc.Int("TargetGroupStickinessConfig.DurationSeconds", 0)
			switch {
			case a.TargetGroupARN == "" && len(a.Forward) == 0:
				return nil, errBadRequest("ValidationError", "A target group ARN must be specified for a forward action")
			case a.TargetGroupARN != "" && len(a.Forward) > 0:
				if len(a.Forward) != 1 || a.Forward[0].TargetGroupARN != a.TargetGroupARN {
					return nil, errBadRequest("ValidationError", "You cannot specify both a target group ARN and a forward config with different target groups")
				}
			case a.TargetGroupARN == "" && len(a.Forward) == 1:
				a.TargetGroupARN = a.Forward[0].TargetGroupARN
			case a.TargetGroupARN != "":
				a.Forward = []WeightedGroup{{TargetGroupARN: a.TargetGroupARN, Weight: 1}}
			}
			for _, w := range a.Forward {
				tg, err := s.targetGroup(w.TargetGroupARN)
				if err != nil {
					return nil, err
				}
				if tg.VpcID != lb.VpcID {
					return nil, errBadRequest("InvalidConfigurationRequest", "The target group '%s' is not in the same VPC as the load balancer", tg.ARN)
				}
				if other := s.loadBalancerOf(tg.ARN); other != "" && other != lb.ARN {
					return nil, errBadRequest("TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: %s", tg.ARN)
				}
			}
		case "redirect":
			terminal++
			rp := p.Struct("RedirectConfig")
			if !p.HasStruct("RedirectConfig") {
				return nil, errBadRequest("ValidationError", "A redirect action needs a redirect config")
			}
			r := &Redirect{Protocol: "#{protocol}", Port: "#{port}", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: rp.Get("StatusCode")}
			for key, field := range map[string]*string{"Protocol": &r.Protocol, "Port": &r.Port, "Host": &r.Host, "Path": &r.Path, "Query": &r.Query} {
				if rp.Has(key) {
					*field = rp.Get(key)
				}
			}
			if r.StatusCode != "HTTP_301" && r.StatusCode != "HTTP_302" {
				return nil, errBadRequest("ValidationError", "Redirect status code '%s' must be HTTP_301 or HTTP_302", r.StatusCode)
			}
			if r.Protocol != "#{protocol}" && r.Protocol != "HTTP" && r.Protocol != "HTTPS" {
				return nil, errBadRequest("ValidationError", "Redirect protocol '%s' must be HTTP, HTTPS or #{protocol}", r.Protocol)
			}
			if r.Protocol == "#{protocol}" && r.Port == "#{port}" && r.Host == "#{host}" && r.Path == "/#{path}" {
				return nil, errBadRequest("InvalidLoadBalancerAction", "The redirect configuration is not valid: modify at least one of protocol, port, host or path to avoid a redirect loop")
			}
			a.Redirect = r
		case "fixed-response":
			terminal++
			fp := p.Struct("FixedResponseConfig")
			f := &FixedResponse{StatusCode: fp.Get("StatusCode"), ContentType: fp.Get("ContentType"), MessageBody: fp.Get("MessageBody")}
			if n, err := strconv.Atoi(f.StatusCode); err != nil || n < 200 || n > 599 || (n >= 300 && n < 400) {
				return nil, errBadRequest("ValidationError", "Fixed response status code '%s' must be a 2XX, 4XX or 5XX code", f.StatusCode)
			}
			if f.ContentType != "" && !slices.Contains([]string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}, f.ContentType) {
				return nil, errBadRequest("ValidationError", "Fixed response content type '%s' is not supported", f.ContentType)
			}
			if len(f.MessageBody) > 1024 {
				return nil, errBadRequest("ValidationError", "Fixed response message body must be at most 1024 characters")
			}
			a.FixedResponse = f
		case "":
			return nil, errBadRequest("ValidationError", "An action type must be specified")
		default:
			return nil, errBadRequest("InvalidLoadBalancerAction", "The sandbox does not serve '%s' actions; use forward, redirect or fixed-response", a.Type)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errBadRequest("ValidationError", "At least one default action must be specified")
	}
	if terminal != 1 {
		return nil, errBadRequest("InvalidLoadBalancerAction", "A listener must have exactly one forward, redirect or fixed-response action")
	}
	return out, nil
}

// certificatesFrom checks that every certificate exists in ACM in this
// region and is issued, as AWS does before it attaches one.
func certificatesFrom(c *call, prefix string) ([]string, *APIError) {
	var out []string
	for _, p := range c.p.Structs(prefix) {
		arn := p.Get("CertificateArn")
		cert := c.r.ACM.Certificates[arn]
		if cert == nil {
			return nil, errBadRequest("CertificateNotFound", "Certificate '%s' not found", arn)
		}
		if cert.Status != "ISSUED" {
			return nil, errBadRequest("UnsupportedCertificate", "The certificate '%s' must be issued before a listener can use it; its status is %s", arn, cert.Status)
		}
		out = append(out, arn)
	}
	return out, nil
}

// checkListenerProtocol validates protocol, port, certificates and policy together.
func checkListenerProtocol(protocol string, port int, certs []string, policy string) *APIError {
	switch protocol {
	case "HTTP", "HTTPS":
	case "":
		return errBadRequest("ValidationError", "A listener protocol must be specified")
	default:
		return errBadRequest("IncompatibleProtocols", "Listener protocol '%s' is not supported with a load balancer of type 'application'", protocol)
	}
	if port < 1 || port > 65535 {
		return errBadRequest("ValidationError", "Listener port '%d' must be from 1 to 65535", port)
	}
	if protocol == "HTTPS" && len(certs) == 0 {
		return errBadRequest("ValidationError", "A certificate must be specified for HTTPS listeners")
	}
	if protocol == "HTTP" && len(certs) > 0 {
		return errBadRequest("ValidationError", "Certificates cannot be specified for HTTP listeners")
	}
	if policy != "" && !sslPolicyExists(policy) {
		return errBadRequest("SSLPolicyNotFound", "SSL policy '%s' not found", policy)
	}
	return nil
}

func elbCreateListener(c *call) (any, error) {
	s := c.r.ELB
	lb, err := s.loadBalancer(c.p.Get("LoadBalancerArn"))
	if err != nil {
		return nil, err
	}
	protocol := c.p.Get("Protocol")
	port, perr := c.p.Int("Port", 0)
	if perr != nil {
		return nil, perr
	}
	certs, err := certificatesFrom(c, "Certificates.member")
	if err != nil {
		return nil, err
	}
	policy := c.p.Get("SslPolicy")
	if err := checkListenerProtocol(protocol, port, certs, policy); err != nil {
		return nil, err
	}
	if protocol == "HTTPS" && policy == "" {
		policy = defaultSSLPolicy
	}
	if protocol == "HTTP" && policy != "" {
		return nil, errBadRequest("ValidationError", "An SSL policy cannot be specified for HTTP listeners")
	}
	actions, err := actionsFrom(c, "DefaultActions.member", lb)
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, c.p.Tags("Tags.member"))
	if err != nil {
		return nil, err
	}
	for _, l := range s.Listeners {
		if l.LoadBalancerARN != lb.ARN || l.Port != port {
			continue
		}
		// CreateListener is idempotent (API reference: "If you attempt to
		// create multiple listeners with the same settings, each call
		// succeeds"): the same settings answer the existing listener.
		if l.Protocol == protocol && l.SslPolicy == policy && slices.Equal(l.Certificates, certs) &&
			reflect.DeepEqual(l.DefaultActions, actions) {
			return listenerResult([]*Listener{l}, ""), nil
		}
		return nil, errBadRequest("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", lb.ARN)
	}
	id := c.w.newHex(16)
	l := &Listener{
		ARN:             elbARN(c.region, "listener/app/"+lb.Name+"/"+lb.ID+"/"+id),
		LoadBalancerARN: lb.ARN,
		Port:            port,
		Protocol:        protocol,
		SslPolicy:       policy,
		Certificates:    certs,
		DefaultActions:  actions,
		DefaultRuleARN:  elbARN(c.region, "listener-rule/app/"+lb.Name+"/"+lb.ID+"/"+id+"/"+c.w.newHex(16)),
		CreatedTime:     c.now,
		Tags:            tags,
	}
	s.Listeners[l.ARN] = l
	return listenerResult([]*Listener{l}, ""), nil
}

type xmlForwardGroup struct {
	TargetGroupArn string `xml:"TargetGroupArn"`
	Weight         int    `xml:"Weight"`
}

type xmlAction struct {
	Type           string `xml:"Type"`
	TargetGroupArn string `xml:"TargetGroupArn,omitempty"`
	Order          int    `xml:"Order,omitempty"`
	ForwardConfig  *struct {
		TargetGroups       []xmlForwardGroup `xml:"TargetGroups>member"`
		StickinessEnabled  bool              `xml:"TargetGroupStickinessConfig>Enabled"`
		StickinessDuration int               `xml:"TargetGroupStickinessConfig>DurationSeconds,omitempty"`
	} `xml:"ForwardConfig,omitempty"`
	RedirectConfig *struct {
		Protocol   string `xml:"Protocol"`
		Port       string `xml:"Port"`
		Host       string `xml:"Host"`
		Path       string `xml:"Path"`
		Query      string `xml:"Query"`
		StatusCode string `xml:"StatusCode"`
	} `xml:"RedirectConfig,omitempty"`
	FixedResponseConfig *struct {
		MessageBody string `xml:"MessageBody,omitempty"`
		StatusCode  string `xml:"StatusCode"`
		ContentType string `xml:"ContentType,omitempty"`
	} `xml:"FixedResponseConfig,omitempty"`
}

func xmlActions(actions []Action) []xmlAction {
	var out []xmlAction
	for _, a := range actions {
		x := xmlAction{Type: a.Type, TargetGroupArn: a.TargetGroupARN, Order: a.Order}
		if a.Type == "forward" {
			x.ForwardConfig = &struct {
				TargetGroups       []xmlForwardGroup `xml:"TargetGroups>member"`
				StickinessEnabled  bool              `xml:"TargetGroupStickinessConfig>Enabled"`
				StickinessDuration int               `xml:"TargetGroupStickinessConfig>DurationSeconds,omitempty"`
			}{StickinessEnabled: a.StickinessEnabled, StickinessDuration: a.StickinessDuration}
			for _, w := range a.Forward {
				x.ForwardConfig.TargetGroups = append(x.ForwardConfig.TargetGroups, xmlForwardGroup{w.TargetGroupARN, w.Weight})
			}
			if len(a.Forward) > 1 {
				x.TargetGroupArn = ""
			}
		}
		if r := a.Redirect; r != nil {
			x.RedirectConfig = &struct {
				Protocol   string `xml:"Protocol"`
				Port       string `xml:"Port"`
				Host       string `xml:"Host"`
				Path       string `xml:"Path"`
				Query      string `xml:"Query"`
				StatusCode string `xml:"StatusCode"`
			}{r.Protocol, r.Port, r.Host, r.Path, r.Query, r.StatusCode}
		}
		if f := a.FixedResponse; f != nil {
			x.FixedResponseConfig = &struct {
				MessageBody string `xml:"MessageBody,omitempty"`
				StatusCode  string `xml:"StatusCode"`
				ContentType string `xml:"ContentType,omitempty"`
			}{f.MessageBody, f.StatusCode, f.ContentType}
		}
		out = append(out, x)
	}
	return out
}

type xmlCertificate struct {
	CertificateArn string `xml:"CertificateArn"`
	IsDefault      bool   `xml:"IsDefault,omitempty"`
}

type xmlListener struct {
	ListenerArn     string           `xml:"ListenerArn"`
	LoadBalancerArn string           `xml:"LoadBalancerArn"`
	Port            int              `xml:"Port"`
	Protocol        string           `xml:"Protocol"`
	Certificates    []xmlCertificate `xml:"Certificates>member,omitempty"`
	SslPolicy       string           `xml:"SslPolicy,omitempty"`
	DefaultActions  []xmlAction      `xml:"DefaultActions>member"`
}

func listenerResult(ls []*Listener, next string) any {
	out := struct {
		Listeners  []xmlListener `xml:"Listeners>member"`
		NextMarker string        `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, l := range ls {
		x := xmlListener{ListenerArn: l.ARN, LoadBalancerArn: l.LoadBalancerARN, Port: l.Port, Protocol: l.Protocol,
			SslPolicy: l.SslPolicy, DefaultActions: xmlActions(l.DefaultActions)}
		// DescribeListeners shows only the default certificate, as AWS does.
		if len(l.Certificates) > 0 {
			x.Certificates = []xmlCertificate{{CertificateArn: l.Certificates[0]}}
		}
		out.Listeners = append(out.Listeners, x)
	}
	return out
}

// listener returns the listener with arn or ListenerNotFound.
func (s *ELBState) listener(arn string) (*Listener, *APIError) {
	if l := s.Listeners[arn]; l != nil {
		return l, nil
	}
	return nil, errBadRequest("ListenerNotFound", "Listener '%s' not found", arn)
}

func elbDescribeListeners(c *call) (any, error) {
	s := c.r.ELB
	lbARN := c.p.Get("LoadBalancerArn")
	arns := c.p.List("ListenerArns.member")
	var ls []*Listener
	switch {
	case lbARN != "" && len(arns) > 0:
		return nil, errBadRequest("ValidationError", "Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case len(arns) > 0:
		for _, arn := range arns {
			l, err := s.listener(arn)
			if err != nil {
				return nil, errBadRequest("ListenerNotFound", "One or more listeners not found")
			}
			ls = append(ls, l)
		}
	case lbARN != "":
		if _, err := s.loadBalancer(lbARN); err != nil {
			return nil, err
		}
		for _, arn := range sortedKeys(s.Listeners) {
			if l := s.Listeners[arn]; l.LoadBalancerARN == lbARN {
				ls = append(ls, l)
			}
		}
	default:
		return nil, errBadRequest("ValidationError", "You must specify either listener ARNs or a load balancer ARN")
	}
	items, next, err := elbPage(c, ls)
	if err != nil {
		return nil, err
	}
	return listenerResult(items, next), nil
}

func elbModifyListener(c *call) (any, error) {
	s := c.r.ELB
	l, err := s.listener(c.p.Get("ListenerArn"))
	if err != nil {
		return nil, err
	}
	lb := s.LoadBalancers[l.LoadBalancerARN]
	protocol, port, certs, policy, actions := l.Protocol, l.Port, l.Certificates, l.SslPolicy, l.DefaultActions
	if v := c.p.Get("Protocol"); v != "" {
		protocol = v
		if v == "HTTP" {
			certs, policy = nil, ""
		}
	}
	if c.p.Has("Port") {
		n, perr := c.p.Int("Port", 0)
		if perr != nil {
			return nil, perr
		}
		port = n
	}
	if c.p.HasStruct("Certificates.member") {
		if certs, err = certificatesFrom(c, "Certificates.member"); err != nil {
			return nil, err
		}
	}
	if v := c.p.Get("SslPolicy"); v != "" {
		policy = v
	}
	if protocol == "HTTPS" && policy == "" {
		policy = defaultSSLPolicy
	}
	if err := checkListenerProtocol(protocol, port, certs, policy); err != nil {
		return nil, err
	}
	if c.p.HasStruct("DefaultActions.member") {
		if actions, err = actionsFrom(c, "DefaultActions.member", lb); err != nil {
			return nil, err
		}
	}
	for _, other := range s.Listeners {
		if other != l && other.LoadBalancerARN == l.LoadBalancerARN && other.Port == port {
			return nil, errBadRequest("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", l.LoadBalancerARN)
		}
	}
	l.Protocol, l.Port, l.Certificates, l.SslPolicy, l.DefaultActions = protocol, port, certs, policy, actions
	return listenerResult([]*Listener{l}, ""), nil
}

// deleteListener removes a listener; its target groups stop being in use
// when no other listener forwards to them.
func (s *ELBState) deleteListener(arn string) { delete(s.Listeners, arn) }

func elbDeleteListener(c *call) (any, error) {
	s := c.r.ELB
	if _, err := s.listener(c.p.Get("ListenerArn")); err != nil {
		return nil, err
	}
	s.deleteListener(c.p.Get("ListenerArn"))
	return nil, nil
}

type xmlRule struct {
	RuleArn    string      `xml:"RuleArn"`
	Priority   string      `xml:"Priority"`
	Conditions []struct{}  `xml:"Conditions>member"`
	Actions    []xmlAction `xml:"Actions>member"`
	IsDefault  bool        `xml:"IsDefault"`
}

func elbDescribeRules(c *call) (any, error) {
	s := c.r.ELB
	listenerARN := c.p.Get("ListenerArn")
	ruleARNs := c.p.List("RuleArns.member")
	var ls []*Listener
	switch {
	case listenerARN != "" && len(ruleARNs) > 0:
		return nil, errBadRequest("ValidationError", "A listener ARN and rule ARNs cannot be specified at the same time")
	case listenerARN != "":
		l, err := s.listener(listenerARN)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	case len(ruleARNs) > 0:
		for _, arn := range ruleARNs {
			var found *Listener
			for _, l := range s.Listeners {
				if l.DefaultRuleARN == arn {
					found = l
				}
			}
			if found == nil {
				return nil, errBadRequest("RuleNotFound", "One or more rules not found")
			}
			ls = append(ls, found)
		}
	default:
		return nil, errBadRequest("ValidationError", "You must specify either listener ARN or rule ARNs")
	}
	var rules []xmlRule
	for _, l := range ls {
		rules = append(rules, xmlRule{RuleArn: l.DefaultRuleARN, Priority: "default", Conditions: []struct{}{}, Actions: xmlActions(l.DefaultActions), IsDefault: true})
	}
	items, next, err := elbPage(c, rules)
	if err != nil {
		return nil, err
	}
	return struct {
		Rules      []xmlRule `xml:"Rules>member"`
		NextMarker string    `xml:"NextMarker,omitempty"`
	}{items, next}, nil
}

// loadBalancersUsingCertificate returns the load balancers whose listeners
// use a certificate (ACM's InUseBy, and why it refuses to delete one).
func (s *ELBState) loadBalancersUsingCertificate(certARN string) []string {
	seen := map[string]bool{}
	var out []string
	for _, arn := range sortedKeys(s.Listeners) {
		l := s.Listeners[arn]
		if slices.Contains(l.Certificates, certARN) && !seen[l.LoadBalancerARN] {
			seen[l.LoadBalancerARN] = true
			out = append(out, l.LoadBalancerARN)
		}
	}
	return out
}
