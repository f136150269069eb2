package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// serveControl answers the /_sandbox/ endpoints:
//
//	GET  /_sandbox/inventory  every live resource created through the API
//	GET  /_sandbox/stats      requests served, by service and operation
//	GET  /_sandbox/faults     the faults in force
//	POST /_sandbox/faults     set injected faults, denied actions and the time profile (Faults as JSON)
//	POST /_sandbox/clock      {"advance_seconds": N}: let N seconds pass
//	POST /_sandbox/reset      forget everything
//	POST /_sandbox/app-health {"instance_id": "i-...", "healthy": false}: make an
//	                          instance's app fail (or pass) health checks
//	POST /_sandbox/delegate   {"zone": "example.com"}: point the domain's
//	                          registrar at that hosted zone (see route53_delegation.go)
func (s *Sandbox) serveControl(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	}
	fail := func(status int, format string, args ...any) {
		reply(status, map[string]string{"error": fmt.Sprintf(format, args...)})
	}
	route := r.Method + " " + r.URL.Path
	body, err := readBounded(r.Body, maxControlBody)
	if err != nil {
		status := http.StatusBadRequest
		if tooLarge := (errBodyTooLarge{}); errors.As(err, &tooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		fail(status, "%s: %v", route, err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	switch route {
	case "GET /_sandbox/inventory":
		reply(http.StatusOK, map[string]any{"resources": nonNil(s.Inventory())})
	case "GET /_sandbox/stats":
		reply(http.StatusOK, s.Stats())
	case "GET /_sandbox/faults":
		reply(http.StatusOK, map[string]any{"faults": s.Faults()})
	case "POST /_sandbox/faults":
		var f Faults
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			fail(http.StatusBadRequest, "faults: %v", err)
			return
		}
		if err := s.SetFaults(f); err != nil {
			fail(http.StatusBadRequest, "faults: %v", err)
			return
		}
		reply(http.StatusOK, map[string]any{"faults": f})
	case "POST /_sandbox/clock":
		var in struct {
			AdvanceSeconds float64 `json:"advance_seconds"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(http.StatusBadRequest, `clock: send {"advance_seconds": N} with 0 ≤ N ≤ %.0f: %v`, maxAdvance.Seconds(), err)
			return
		}
		d, err := advanceDuration(in.AdvanceSeconds)
		if err != nil {
			fail(http.StatusBadRequest, "clock: %v", err)
			return
		}
		if err := s.Advance(d); errors.Is(err, errClockRange) {
			fail(http.StatusBadRequest, "clock: advance_seconds: %v", err)
			return
		} else if err != nil {
			fail(http.StatusInternalServerError, "clock: %v", err)
			return
		}
		reply(http.StatusOK, map[string]any{"advanced_seconds": in.AdvanceSeconds})
	case "POST /_sandbox/app-health":
		var in struct {
			InstanceID string `json:"instance_id"`
			Healthy    bool   `json:"healthy"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.InstanceID == "" {
			fail(http.StatusBadRequest, `app-health: send {"instance_id": "i-...", "healthy": true|false}`)
			return
		}
		if err := s.SetAppHealth(in.InstanceID, in.Healthy); err != nil {
			fail(http.StatusNotFound, "app-health: %v", err)
			return
		}
		reply(http.StatusOK, in)
	case "POST /_sandbox/delegate":
		var in struct {
			Zone      string `json:"zone"`
			Delegated *bool  `json:"delegated"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || in.Zone == "" {
			fail(http.StatusBadRequest, `delegate: send {"zone": "example.com"} (a zone name or id; "delegated": false undoes it)`)
			return
		}
		delegated := in.Delegated == nil || *in.Delegated
		z, err := s.Delegate(in.Zone, delegated)
		switch {
		case errors.Is(err, errNoZone):
			fail(http.StatusNotFound, "delegate: %v", err)
		case errors.Is(err, errZoneAmbiguous):
			fail(http.StatusBadRequest, "delegate: %v", err)
		case err != nil:
			fail(http.StatusInternalServerError, "delegate: %v", err)
		default:
			reply(http.StatusOK, z)
		}
	case "POST /_sandbox/reset":
		if err := s.Reset(); err != nil {
			fail(http.StatusInternalServerError, "reset: %v", err)
			return
		}
		reply(http.StatusOK, map[string]any{"reset": true})
	default:
		fail(http.StatusNotFound, "no sandbox endpoint %s; try GET /_sandbox/inventory, GET /_sandbox/stats, POST /_sandbox/faults, POST /_sandbox/clock, POST /_sandbox/reset", route)
	}
}

func nonNil(items []InventoryItem) []InventoryItem {
	if items == nil {
		return []InventoryItem{}
	}
	return items
}

// parseForm reads a query-protocol request: the form body plus the URL query.
func parseForm(body []byte, r *http.Request) (url.Values, error) {
	vals, err := url.ParseQuery(string(bytes.TrimSpace(body)))
	if err != nil {
		return nil, err
	}
	for k, v := range r.URL.Query() {
		vals[k] = append(vals[k], v...)
	}
	return vals, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// stats counts requests served, by service and operation.
type stats struct {
	mu     sync.Mutex
	total  int
	faults int
	by     map[string]map[string]int
}

// StatsSnapshot is what GET /_sandbox/stats returns.
type StatsSnapshot struct {
	Total          int                       `json:"total"`
	FaultsInjected int                       `json:"faults_injected"`
	ByService      map[string]map[string]int `json:"by_service"`
}

func (st *stats) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.total, st.faults = 0, 0
	st.by = map[string]map[string]int{}
}

func (st *stats) count(svc, op string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.total++
	if st.by[svc] == nil {
		st.by[svc] = map[string]int{}
	}
	st.by[svc][op]++
}

func (st *stats) fault() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.faults++
}

func (st *stats) snapshot() StatsSnapshot {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := StatsSnapshot{Total: st.total, FaultsInjected: st.faults, ByService: map[string]map[string]int{}}
	for svc, ops := range st.by {
		m := make(map[string]int, len(ops))
		for op, n := range ops {
			m[op] = n
		}
		out.ByService[svc] = m
	}
	return out
}

// Count returns how many requests an operation received ("ec2", "DescribeInstances").
func (s StatsSnapshot) Count(service, op string) int { return s.ByService[service][op] }

// SetAppHealth makes the app on an instance (in any region) answer health
// checks successfully or with HTTP 500, whatever the instance would serve
// by itself (see startsApp).
func (s *Sandbox) SetAppHealth(instanceID string, healthy bool) error {
	unlock, err := s.lockWorld()
	if err != nil {
		return err
	}
	for _, name := range s.world.regionNames() {
		if in := s.world.Regions[name].instance(instanceID); in != nil {
			in.AppFailing, in.AppHealthy = !healthy, healthy
			return unlock()
		}
	}
	if err := unlock(); err != nil {
		return err
	}
	return fmt.Errorf("no instance %s", instanceID)
}
