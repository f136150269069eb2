package console

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// The live refresh runs tick → fetch → result, and only a result schedules
// the next tick, so snapshots never overlap however slow AWS answers. Each
// fetch gets a run number; a result or a tick from another run is stale and
// dropped (a manual refresh, a pause, an action starts a new run).

// maxBackoff caps the wait between refreshes while AWS throttles.
const maxBackoff = 2 * time.Minute

// fetchTimeout bounds one snapshot: a hung connection must not stop the
// refresh loop for good.
const fetchTimeout = 45 * time.Second

// refresher is the state of the live refresh.
type refresher struct {
	interval time.Duration
	run      int
	inflight bool
	started  time.Time // when the fetch in flight started
	// again asks for another fetch as soon as the one in flight returns,
	// with the options in againOpts (those asked meanwhile, together).
	again     bool
	againOpts fleet.SnapshotOptions
	paused    bool
	updated   time.Time // when the last snapshot arrived
	lastErr   error     // the last refresh's failure, or a part it could not read
	lastPart  string    // the part lastErr is about, "" for the whole refresh
	failures  int       // refreshes failed in a row
	backoff   time.Duration
	next      time.Time // when the next refresh is due
}

// snapshotMsg is a snapshot's result, with the views already built from
// it (off the UI goroutine: for a thousand instances that is the costly
// part of a refresh).
type snapshotMsg struct {
	run  int
	snap *fleet.Snapshot
	err  error
	view *prepared
}

// tickMsg says a refresh is due.
type tickMsg struct{ run int }

// Screen addresses both to the console: the root drops them when it is closed.
func (snapshotMsg) Screen() screen.ID { return screen.Console }
func (tickMsg) Screen() screen.ID     { return screen.Console }

// Which parts a refresh reads beyond those due (fleet.Cadence).
var (
	// fetchDue reads what is due: a tick.
	fetchDue = fleet.SnapshotOptions{}
	// fetchAll reads every part and asks the gaps again: the first
	// refresh and r.
	fetchAll = fleet.SnapshotOptions{All: true, Recheck: true}
)

// fetchAfter is what a refresh reads after an action: what follows the
// group's changes, and the load balancer part when the action was about it.
func fetchAfter(lb bool) fleet.SnapshotOptions {
	return fleet.SnapshotOptions{Changed: true, LoadBalancer: lb}
}

// fetchNow starts a refresh now, or, when one is in flight, right after it.
func (m *Model) fetchNow(o fleet.SnapshotOptions) tea.Cmd {
	r := &m.refresh
	if r.inflight {
		r.again = true
		a := &r.againOpts
		a.All, a.Recheck, a.Changed, a.LoadBalancer = a.All || o.All, a.Recheck || o.Recheck, a.Changed || o.Changed, a.LoadBalancer || o.LoadBalancer
		return nil
	}
	r.run++
	r.inflight = true
	r.started = m.now()
	// Copy what the command needs: it runs on another goroutine and must
	// not read the model.
	fl, target, run, st := m.fleet, m.target, r.run, m.stack
	o.Prev = m.snap
	ctx := m.ctx()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
		defer cancel()
		s, err := fl.Snapshot(ctx, target, o)
		if err != nil {
			return snapshotMsg{run: run, err: err}
		}
		return snapshotMsg{run: run, snap: s, view: prepare(s, st)}
	}
}

// ctx is the program's context, which quitting cancels.
func (m *Model) ctx() context.Context {
	if m.sh != nil && m.sh.Ctx != nil {
		return m.sh.Ctx
	}
	return context.Background()
}

func (m *Model) onSnapshot(msg snapshotMsg) tea.Cmd {
	r := &m.refresh
	if msg.run != r.run {
		return nil // stale: a newer run replaced it
	}
	r.inflight = false
	if msg.err == nil && msg.snap == nil {
		msg.err = errors.New("the snapshot came back empty")
	}
	throttled := aws.IsThrottle(msg.err)
	switch {
	case msg.err != nil:
		r.lastErr, r.lastPart = msg.err, ""
		r.failures++
	default:
		m.setSnapshot(msg.snap, msg.view)
		r.updated = m.now()
		throttled = msg.snap.Throttled()
		r.lastErr, r.lastPart = nil, ""
		if len(msg.snap.Problems) > 0 {
			p := msg.snap.Problems[0]
			r.lastErr, r.lastPart = p.Err, p.Part
		}
		if r.lastErr == nil {
			r.failures = 0
		} else {
			r.failures++
		}
	}
	if throttled {
		r.backoff = min(maxBackoff, max(2*r.interval, 2*r.backoff))
	} else {
		r.backoff = 0
	}
	if r.again {
		o := r.againOpts
		r.again, r.againOpts = false, fleet.SnapshotOptions{}
		return m.fetchNow(o)
	}
	if r.paused {
		return nil
	}
	return m.schedule()
}

// schedule arms the next tick: the interval, or the backoff while AWS
// throttles.
func (m *Model) schedule() tea.Cmd {
	r := &m.refresh
	d := r.interval
	if r.backoff > 0 {
		d = r.backoff
	}
	r.next = m.now().Add(d)
	run := r.run
	return m.tick(d, func(time.Time) tea.Msg { return tickMsg{run: run} })
}

func (m *Model) onTick(msg tickMsg) tea.Cmd {
	r := &m.refresh
	if msg.run != r.run || r.paused || r.inflight {
		return nil
	}
	return m.fetchNow(fetchDue)
}

func (m *Model) togglePause() (screen.Action, tea.Cmd) {
	r := &m.refresh
	r.paused = !r.paused
	if r.paused {
		return screen.Notice{Text: "paused: the view stays as it is until p"}, nil
	}
	if r.inflight {
		return screen.Notice{Text: "live again"}, nil
	}
	return screen.Notice{Text: "live again"}, m.fetchNow(fetchDue)
}

// setSnapshot shows a new snapshot with its views built (prepare builds
// them when v is nil): View only cuts and styles the rows it draws.
func (m *Model) setSnapshot(s *fleet.Snapshot, v *prepared) {
	if v == nil {
		v = prepare(s, m.stack)
	}
	m.snap = s
	m.verdict = v.verdict
	m.setPanels(v)
	m.picks = v.picks
	if s.LB != nil {
		m.stack.lbDNS = s.LB.DNSName
	}
}

// status is the refresh's state in words, for the header: long, or short
// for a narrow window.
func (m *Model) status(long bool) line {
	r := &m.refresh
	now := m.now()
	switch {
	case r.updated.IsZero() && r.lastErr != nil:
		return line{text: "cannot read the stack: " + refreshWhy(r.lastErr), tone: toneBad}
	case r.updated.IsZero():
		if rt := m.retryText(); rt != "" {
			return line{text: "reading… " + rt, tone: toneWarn}
		}
		return line{text: "reading…", tone: toneInfo}
	}
	age := ago(now.Sub(r.updated))
	upd := age + " ago"
	if long {
		upd = "updated " + clock(r.updated, now) + " (" + age + " ago)"
	}
	switch {
	case r.lastErr != nil:
		why := refreshWhy(r.lastErr)
		if !long {
			why = aws.Code(r.lastErr)
			if why == "" {
				why = "refresh failed"
			}
		}
		if r.lastPart != "" {
			why = r.lastPart + ": " + why
		}
		t := "STALE " + upd + " · " + why
		if r.backoff > 0 {
			t += " · retry in " + dur(r.backoff)
		}
		return line{text: t, tone: toneWarn}
	case r.paused:
		return line{text: "PAUSED · " + upd, tone: toneWarn}
	case r.inflight && now.Sub(r.started) > r.interval:
		t := "STALE " + upd + " · refresh waiting " + ago(now.Sub(r.started))
		if rt := m.retryText(); rt != "" && long {
			// The verdict line dates the data; here the retry needs the room.
			t = "STALE · waiting " + ago(now.Sub(r.started)) + " · " + rt
		}
		return line{text: t, tone: toneWarn}
	case now.Sub(r.updated) > 3*r.interval+fetchTimeout:
		return line{text: "STALE " + upd, tone: toneWarn}
	}
	if !long {
		return line{text: "↻ " + upd, tone: toneMuted}
	}
	return line{text: upd + " · every " + dur(r.interval), tone: toneMuted}
}
