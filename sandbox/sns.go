package sandbox

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SNSState is one region's SNS: topics, their subscriptions, and the
// messages published to them (kept so tests and the console can see what
// an alarm would have emailed).
type SNSState struct {
	Topics        map[string]*Topic        `json:"topics"`        // by ARN
	Subscriptions map[string]*Subscription `json:"subscriptions"` // by ARN
}

// Topic is an SNS topic.
type Topic struct {
	ARN        string            `json:"arn"`
	Name       string            `json:"name"`
	Attributes map[string]string `json:"attributes,omitempty"` // as set by the caller
	Tags       []Tag             `json:"tags"`
	CreatedAt  time.Time         `json:"created_at"`
	Messages   []SNSMessage      `json:"messages,omitempty"` // newest last, at most maxTopicMessages
}

// Subscription is an endpoint subscribed to a topic. Email and HTTP
// endpoints stay pending until confirmed; the sandbox confirms them through
// ConfirmSubscription with the token it issued, or Sandbox.ConfirmSubscriptions.
type Subscription struct {
	ARN       string `json:"arn"`
	TopicArn  string `json:"topic_arn"`
	Protocol  string `json:"protocol"`
	Endpoint  string `json:"endpoint"`
	Confirmed bool   `json:"confirmed"`
	Token     string `json:"token"`
}

// SNSMessage is one published message.
type SNSMessage struct {
	MessageID string    `json:"message_id"`
	Subject   string    `json:"subject,omitempty"`
	Message   string    `json:"message"`
	Timestamp time.Time `json:"timestamp"`
}

// maxTopicMessages bounds what a topic remembers, so a long-lived sandbox
// with a flapping alarm does not grow without end.
const maxTopicMessages = 200

func newSNSState() *SNSState {
	return &SNSState{Topics: map[string]*Topic{}, Subscriptions: map[string]*Subscription{}}
}

func (s *SNSState) ensure() {
	if s.Topics == nil {
		s.Topics = map[string]*Topic{}
	}
	if s.Subscriptions == nil {
		s.Subscriptions = map[string]*Subscription{}
	}
}

func (s *SNSState) inventory() []InventoryItem {
	var out []InventoryItem
	for _, t := range s.Topics {
		out = append(out, InventoryItem{Type: "sns:topic", ID: t.ARN, Name: t.Name, Tags: tagMap(t.Tags)})
	}
	for _, sub := range s.Subscriptions {
		state := "confirmed"
		if !sub.Confirmed {
			state = "pending-confirmation"
		}
		out = append(out, InventoryItem{Type: "sns:subscription", ID: sub.ARN, Name: sub.Protocol + ":" + sub.Endpoint, State: state})
	}
	return out
}

// publish records a message on a topic; it returns false when the topic does not exist.
func (s *SNSState) publish(w *World, now time.Time, topicArn, subject, message string) (string, bool) {
	t := s.Topics[topicArn]
	if t == nil {
		return "", false
	}
	id := w.newUUID()
	t.Messages = append(t.Messages, SNSMessage{MessageID: id, Subject: subject, Message: message, Timestamp: now})
	if n := len(t.Messages); n > maxTopicMessages {
		t.Messages = slices.Delete(t.Messages, 0, n-maxTopicMessages)
	}
	return id, true
}

// TopicMessages returns the messages published to a topic in a region, oldest first.
func (s *Sandbox) TopicMessages(region, topicArn string) []SNSMessage {
	unlock, err := s.lockWorld()
	if err != nil {
		return nil
	}
	defer func() { _ = unlock() }() // a tick this process could not keep is redone by the next
	s.world.tick(s.clock.Now(), s.dur)
	r := s.world.Regions[region]
	if r == nil || r.SNS.Topics[topicArn] == nil {
		return nil
	}
	return slices.Clone(r.SNS.Topics[topicArn].Messages)
}

// ConfirmSubscriptions confirms every pending subscription of a topic, as
// if each recipient had clicked the link in the confirmation email. It
// returns how many it confirmed.
func (s *Sandbox) ConfirmSubscriptions(region, topicArn string) int {
	unlock, err := s.lockWorld()
	if err != nil {
		return 0
	}
	r := s.world.Regions[region]
	if r == nil {
		_ = unlock()
		return 0
	}
	n := 0
	for _, sub := range r.SNS.Subscriptions {
		if sub.TopicArn == topicArn && !sub.Confirmed {
			sub.Confirmed = true
			n++
		}
	}
	if err := unlock(); err != nil {
		return 0 // not kept: none confirmed
	}
	return n
}

// ConfirmSubscriptionsTo confirms every pending subscription of endpoint
// (an e-mail address, say), in every region, as if its recipient had
// clicked the link in each confirmation e-mail. It returns how many it
// confirmed.
func (s *Sandbox) ConfirmSubscriptionsTo(endpoint string) int {
	unlock, err := s.lockWorld()
	if err != nil {
		return 0
	}
	n := 0
	for _, r := range s.world.Regions {
		if r == nil || r.SNS == nil {
			continue
		}
		for _, sub := range r.SNS.Subscriptions {
			if sub.Endpoint == endpoint && !sub.Confirmed {
				sub.Confirmed = true
				n++
			}
		}
	}
	if err := unlock(); err != nil {
		return 0 // not kept: none confirmed
	}
	return n
}

func snsHandlers() map[string]handler {
	return map[string]handler{
		"CreateTopic":              snsCreateTopic,
		"DeleteTopic":              snsDeleteTopic,
		"ListTopics":               snsListTopics,
		"GetTopicAttributes":       snsGetTopicAttributes,
		"SetTopicAttributes":       snsSetTopicAttributes,
		"Subscribe":                snsSubscribe,
		"ConfirmSubscription":      snsConfirmSubscription,
		"Unsubscribe":              snsUnsubscribe,
		"ListSubscriptions":        snsListSubscriptions,
		"ListSubscriptionsByTopic": snsListSubscriptionsByTopic,
		"Publish":                  snsPublish,
		"TagResource":              snsTagResource,
		"UntagResource":            snsUntagResource,
		"ListTagsForResource":      snsListTagsForResource,
	}
}

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`) // and at most 256 long

func snsInvalid(format string, args ...any) *APIError {
	return errBadRequest("InvalidParameter", "Invalid parameter: "+format, args...)
}

// attrMap reads an AWS query map: Attributes.entry.N.key / .value.
func attrMap(p params, prefix string) map[string]string {
	out := map[string]string{}
	for _, e := range p.Structs(prefix + ".entry") {
		out[e.Get("key")] = e.Get("value")
	}
	return out
}

// topicAttrs are the attributes CreateTopic and SetTopicAttributes accept.
var topicAttrs = map[string]bool{"DisplayName": true, "Policy": true, "DeliveryPolicy": true, "KmsMasterKeyId": true,
	"SignatureVersion": true, "TracingConfig": true, "FifoTopic": true, "ContentBasedDeduplication": true, "ArchivePolicy": true, "FifoThroughputScope": true}

func snsCreateTopic(c *call) (any, error) {
	s := c.r.SNS
	name := c.p.Get("Name")
	attrs := attrMap(c.p, "Attributes")
	for k := range attrs {
		if !topicAttrs[k] {
			return nil, snsInvalid("Attributes Reason: Unknown attribute %s", k)
		}
	}
	base, fifo := strings.CutSuffix(name, ".fifo")
	if !topicNameRE.MatchString(base) || len(base) > 256 || len(name) > 256 {
		return nil, snsInvalid("Topic Name")
	}
	if fifo != (attrs["FifoTopic"] == "true") {
		return nil, snsInvalid("Topic Name: a FIFO topic name ends in .fifo and sets FifoTopic=true")
	}
	tags := c.p.Tags("Tags.member")
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", c.region, AccountID, name)
	if t := s.Topics[arn]; t != nil {
		// CreateTopic is idempotent, but only for the same definition.
		if !maps.Equal(t.Attributes, attrs) && len(attrs) > 0 {
			return nil, snsInvalid("Attributes Reason: Topic already exists with different attributes")
		}
		if len(tags) > 0 && !maps.Equal(tagMap(t.Tags), tagMap(tags)) {
			return nil, snsInvalid("Tags Reason: Topic already exists with different tags")
		}
		return struct {
			TopicArn string `xml:"TopicArn"`
		}{arn}, nil
	}
	s.Topics[arn] = &Topic{ARN: arn, Name: name, Attributes: attrs, Tags: tags, CreatedAt: c.now}
	return struct {
		TopicArn string `xml:"TopicArn"`
	}{arn}, nil
}

func (s *SNSState) topic(arn string) (*Topic, error) {
	if arn == "" {
		return nil, snsInvalid("TopicArn")
	}
	if t := s.Topics[arn]; t != nil {
		return t, nil
	}
	if !strings.HasPrefix(arn, "arn:aws:sns:") {
		return nil, snsInvalid("TopicArn")
	}
	return nil, errNotFound("NotFound", "Topic does not exist")
}

func snsDeleteTopic(c *call) (any, error) {
	s := c.r.SNS
	arn := c.p.Get("TopicArn")
	if !strings.HasPrefix(arn, "arn:aws:sns:") {
		return nil, snsInvalid("TopicArn")
	}
	// Deleting a topic that does not exist succeeds: DeleteTopic is idempotent.
	delete(s.Topics, arn)
	for id, sub := range s.Subscriptions {
		if sub.TopicArn == arn {
			delete(s.Subscriptions, id)
		}
	}
	return nil, nil
}

// snsPage returns the slice of a sorted list that NextToken (an index) and
// a page size of 100 select, and the next token.
func snsPage(c *call, n int) (start, end int, next string, err error) {
	if tok := c.p.Get("NextToken"); tok != "" {
		start, err = strconv.Atoi(tok)
		if err != nil || start < 0 || start > n {
			return 0, 0, "", snsInvalid("NextToken")
		}
	}
	end = min(start+100, n)
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next, nil
}

func snsListTopics(c *call) (any, error) {
	arns := slices.Sorted(maps.Keys(c.r.SNS.Topics))
	start, end, next, err := snsPage(c, len(arns))
	if err != nil {
		return nil, err
	}
	type member struct {
		TopicArn string `xml:"TopicArn"`
	}
	out := struct {
		Topics    []member `xml:"Topics>member"`
		NextToken string   `xml:"NextToken,omitempty"`
	}{Topics: []member{}, NextToken: next}
	for _, a := range arns[start:end] {
		out.Topics = append(out.Topics, member{a})
	}
	return out, nil
}

type attrEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func entries(m map[string]string) []attrEntry {
	out := make([]attrEntry, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, attrEntry{k, m[k]})
	}
	return out
}

func snsGetTopicAttributes(c *call) (any, error) {
	s := c.r.SNS
	t, err := s.topic(c.p.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	confirmed, pending := 0, 0
	for _, sub := range s.Subscriptions {
		if sub.TopicArn != t.ARN {
			continue
		}
		if sub.Confirmed {
			confirmed++
		} else {
			pending++
		}
	}
	attrs := map[string]string{
		"TopicArn":                t.ARN,
		"Owner":                   AccountID,
		"DisplayName":             "",
		"SubscriptionsConfirmed":  strconv.Itoa(confirmed),
		"SubscriptionsPending":    strconv.Itoa(pending),
		"SubscriptionsDeleted":    "0",
		"EffectiveDeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`,
		"Policy":                  fmt.Sprintf(`{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:Publish","SNS:Subscribe","SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:DeleteTopic"],"Resource":"%s","Condition":{"StringEquals":{"AWS:SourceOwner":"%s"}}}]}`, t.ARN, AccountID),
	}
	maps.Copy(attrs, t.Attributes)
	return struct {
		Attributes []attrEntry `xml:"Attributes>entry"`
	}{entries(attrs)}, nil
}

func snsSetTopicAttributes(c *call) (any, error) {
	t, err := c.r.SNS.topic(c.p.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	name := c.p.Get("AttributeName")
	if !topicAttrs[name] || name == "FifoTopic" {
		return nil, snsInvalid("AttributeName")
	}
	if t.Attributes == nil {
		t.Attributes = map[string]string{}
	}
	t.Attributes[name] = c.p.Get("AttributeValue")
	return nil, nil
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func snsSubscribe(c *call) (any, error) {
	s := c.r.SNS
	t, err := s.topic(c.p.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	protocol, endpoint := c.p.Get("Protocol"), c.p.Get("Endpoint")
	needsConfirmation := false
	switch protocol {
	case "email", "email-json":
		if !emailRE.MatchString(endpoint) {
			return nil, snsInvalid("Email address")
		}
		needsConfirmation = true
	case "http", "https":
		if !strings.HasPrefix(endpoint, protocol+"://") {
			return nil, snsInvalid("Endpoint must match the specified protocol")
		}
		needsConfirmation = true
	case "sqs", "lambda", "firehose", "application":
		if !strings.HasPrefix(endpoint, "arn:aws:") {
			return nil, snsInvalid("%s endpoint ARN", strings.ToUpper(protocol[:1])+protocol[1:])
		}
	case "sms":
		if !regexp.MustCompile(`^\+?[0-9]{6,15}$`).MatchString(endpoint) {
			return nil, snsInvalid("Invalid SMS endpoint")
		}
	default:
		return nil, snsInvalid("Invalid protocol type: %s", protocol)
	}
	returnArn := c.p.Bool("ReturnSubscriptionArn", false)
	answer := func(sub *Subscription) any {
		arn := sub.ARN
		if !sub.Confirmed && !returnArn {
			arn = "pending confirmation"
		}
		return struct {
			SubscriptionArn string `xml:"SubscriptionArn"`
		}{arn}
	}
	// Subscribing the same endpoint again returns the existing subscription.
	for _, sub := range s.Subscriptions {
		if sub.TopicArn == t.ARN && sub.Protocol == protocol && sub.Endpoint == endpoint {
			return answer(sub), nil
		}
	}
	sub := &Subscription{ARN: t.ARN + ":" + c.w.newUUID(), TopicArn: t.ARN, Protocol: protocol, Endpoint: endpoint,
		Confirmed: !needsConfirmation, Token: c.w.newHex(64)}
	s.Subscriptions[sub.ARN] = sub
	return answer(sub), nil
}

func snsConfirmSubscription(c *call) (any, error) {
	s := c.r.SNS
	t, err := s.topic(c.p.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	token := c.p.Get("Token")
	for _, sub := range s.Subscriptions {
		if sub.TopicArn == t.ARN && sub.Token == token && token != "" {
			sub.Confirmed = true
			return struct {
				SubscriptionArn string `xml:"SubscriptionArn"`
			}{sub.ARN}, nil
		}
	}
	return nil, snsInvalid("Token")
}

func snsUnsubscribe(c *call) (any, error) {
	s := c.r.SNS
	arn := c.p.Get("SubscriptionArn")
	if !strings.HasPrefix(arn, "arn:aws:sns:") {
		return nil, snsInvalid("SubscriptionArn")
	}
	if s.Subscriptions[arn] == nil {
		return nil, errNotFound("NotFound", "Subscription does not exist")
	}
	delete(s.Subscriptions, arn)
	return nil, nil
}

type subscriptionXML struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
	Owner           string `xml:"Owner"`
	Protocol        string `xml:"Protocol"`
	Endpoint        string `xml:"Endpoint"`
	TopicArn        string `xml:"TopicArn"`
}

// listSubscriptions pages the subscriptions that keep says to, ordered by
// topic then ARN. Listings spell a pending one "PendingConfirmation", unlike
// Subscribe's "pending confirmation".
func listSubscriptions(c *call, keep func(*Subscription) bool) (any, error) {
	var subs []*Subscription
	for _, sub := range c.r.SNS.Subscriptions {
		if keep(sub) {
			subs = append(subs, sub)
		}
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].ARN < subs[j].ARN })
	start, end, next, err := snsPage(c, len(subs))
	if err != nil {
		return nil, err
	}
	out := struct {
		Subscriptions []subscriptionXML `xml:"Subscriptions>member"`
		NextToken     string            `xml:"NextToken,omitempty"`
	}{Subscriptions: []subscriptionXML{}, NextToken: next}
	for _, sub := range subs[start:end] {
		arn := sub.ARN
		if !sub.Confirmed {
			arn = "PendingConfirmation"
		}
		out.Subscriptions = append(out.Subscriptions, subscriptionXML{arn, AccountID, sub.Protocol, sub.Endpoint, sub.TopicArn})
	}
	return out, nil
}

func snsListSubscriptions(c *call) (any, error) {
	return listSubscriptions(c, func(*Subscription) bool { return true })
}

func snsListSubscriptionsByTopic(c *call) (any, error) {
	t, err := c.r.SNS.topic(c.p.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	return listSubscriptions(c, func(s *Subscription) bool { return s.TopicArn == t.ARN })
}

func snsPublish(c *call) (any, error) {
	arn := c.p.Get("TopicArn")
	if arn == "" {
		arn = c.p.Get("TargetArn")
	}
	if _, err := c.r.SNS.topic(arn); err != nil {
		return nil, err
	}
	msg := c.p.Get("Message")
	if msg == "" {
		return nil, snsInvalid("Empty message")
	}
	if len(msg) > 256*1024 {
		return nil, snsInvalid("Message too long")
	}
	id, _ := c.r.SNS.publish(c.w, c.now, arn, c.p.Get("Subject"), msg)
	return struct {
		MessageID string `xml:"MessageId"`
	}{id}, nil
}

func snsTagResource(c *call) (any, error) {
	t, err := c.r.SNS.topic(c.p.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	for _, tag := range c.p.Tags("Tags.member") {
		t.Tags = append(removeTag(t.Tags, tag.Key), tag)
	}
	if len(t.Tags) > 50 {
		return nil, errBadRequest("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
	}
	return nil, nil
}

func snsUntagResource(c *call) (any, error) {
	t, err := c.r.SNS.topic(c.p.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	for _, k := range c.p.List("TagKeys.member") {
		t.Tags = removeTag(t.Tags, k)
	}
	return nil, nil
}

func snsListTagsForResource(c *call) (any, error) {
	t, err := c.r.SNS.topic(c.p.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	type tagXML struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	out := struct {
		Tags []tagXML `xml:"Tags>member"`
	}{Tags: []tagXML{}}
	for _, tag := range t.Tags {
		out.Tags = append(out.Tags, tagXML{tag.Key, tag.Value})
	}
	return out, nil
}
