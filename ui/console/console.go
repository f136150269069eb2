// Package console is stackwiz's day-to-day screen for a built stack: a live
// view of the group's instances joined with target health and CPU, the
// target group, the load balancer, alarms and scaling activity, refreshed
// in the background at a bounded API cost, and the everyday actions —
// capacity, instance refresh, terminate, standby, termination policies and
// the blue/green alias switch — each confirmed first and logged after.
package console

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// DefaultInterval is how often the console refreshes unless told otherwise.
const DefaultInterval = 5 * time.Second

// Deps are what the console needs from the root.
type Deps struct {
	// Fleet reads and acts on the stack: fleet.New of the config of the
	// stack's aws.Clients (its region's).
	Fleet *fleet.Fleet
	// Stack is the stack's state record (state.Store.Snapshot()). The
	// console reads its name, account and region and these outputs:
	// autoscaling asg_name (required); load_balancer lb_arn, lb_dns,
	// tg_arn, lb_dimension, tg_dimension; dns zone_id, record_fqdn.
	Stack state.Stack
	// StateDir is the directory of the stack's record: the blue/green
	// switch offers the other stacks recorded there. Empty disables it.
	StateDir string
	// Interval between refreshes; 0 means DefaultInterval.
	Interval time.Duration
	// Connect builds clients for a region (the same profile): the stack
	// switcher (o) searches the account's regions with it. Nil: the
	// switcher lists only the recorded stacks.
	Connect Connector
	// ScanRegionTimeout and ScanTimeout bound the switcher's search of
	// one region and of all; 0 means the defaults.
	ScanRegionTimeout, ScanTimeout time.Duration
	// Now is the console's clock (ages, "updated 3s ago"); nil means
	// time.Now. Tests pin it.
	Now func() time.Time
}

// Model is the console screen. Create it with New; it implements
// screen.Screen, screen.Initializer, screen.KeyMapper, screen.Capturer and
// screen.Busier.
type Model struct {
	sh       *screen.Shared
	fleet    *fleet.Fleet
	target   fleet.Ref
	stack    stackInfo
	stateDir string
	now      func() time.Time
	keys     keyMap

	refresh refresher
	// tick arms a refresh timer: tea.Tick, or a test's stand-in.
	tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	snap *fleet.Snapshot
	// picks are the next instances scale-in would terminate under the
	// group's policies, previewed when a snapshot arrives.
	picks []steps.TerminationPick

	tab view
	// tables are the panels' tables by view, nil for a text panel;
	// lines are a text panel's lines, built when a snapshot arrives, and
	// offsets how far each is scrolled.
	tables  []*table
	lines   [][]line
	offsets []int

	filter    textinput.Model
	filtering bool
	detail    bool
	dialog    *dialog

	log     []logEntry
	actSeq  int
	acting  string // the action in flight, "" when none
	lastMsg line   // the footer: the last action's outcome

	// verdict is the snapshot's verdict, judged when it arrives.
	verdict verdict
	// paint caches the theme's tone styles for drawing rows.
	paint paint

	// opened is when the console opened; retry is the newest retry of its
	// calls (stale.go).
	// borrowedFrom names the stack whose record this one watches, having
	// none of its own ("" when it has its own, or none is known).
	borrowedFrom string
	// self is this stack as the switch dialog offers it to a record
	// another stack owns.
	self peer
	// peerNames are the other stacks by their load balancer's DNS name
	// (recordtarget.go).
	peerNames map[string]string

	opened time.Time // on the wall clock, as the feed stamps retries
	retry  *fleet.Retry

	// readOnly, when not "", is why the console only reads (the Fleet's
	// reason): every action key is refused, and the Fleet refuses too.
	readOnly string

	// picker is the open stack switcher (stacks.go), nil when closed;
	// connect and the timeouts are its search of the regions.
	picker                         *stackPicker
	connect                        Connector
	scanRegionTimeout, scanTimeout time.Duration

	// width, height and bodyRows are the last layout View drew, for the
	// paging keys.
	width, height, bodyRows int
}

// stackInfo is what the header says about the stack.
type stackInfo struct {
	name, account, region string
	lbDNS, record, zone   string
}

// New builds the console for the stack in deps. It fails when the stack
// has no Auto Scaling group recorded yet, naming the step to apply.
func New(sh *screen.Shared, deps Deps) (*Model, error) {
	if deps.Fleet == nil {
		return nil, errors.New("console: no AWS clients (Deps.Fleet is nil)")
	}
	out := steps.OutputsOf(deps.Stack)
	t := out.ConsoleTarget(deps.Stack.Name)
	if t.ASGName == "" {
		return nil, fmt.Errorf("console: stack %q has no Auto Scaling group yet (the autoscaling step's output asg_name is empty): run `stackwiz apply` to finish the stack", deps.Stack.Name)
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	interval := deps.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	account := deps.Stack.AccountID
	if account == "" {
		account = out.Account()
	}
	region := deps.Stack.Region
	if region == "" {
		region = out.Region()
	}
	fi := textinput.New()
	fi.Prompt = "/"
	fi.Placeholder = "filter: any text in a row"
	st := fi.Styles()
	st.Cursor.Blink = false
	fi.SetStyles(st)
	m := &Model{
		sh: sh, fleet: deps.Fleet, target: t, stateDir: deps.StateDir, now: now,
		stack:             stackInfo{name: deps.Stack.Name, account: account, region: region, lbDNS: out.LoadBalancerDNS(), record: t.RecordFQDN, zone: t.ZoneID},
		keys:              newKeys(sh.Keys, tabDigits()),
		refresh:           refresher{interval: interval},
		tick:              tea.Tick,
		verdict:           judge(nil),
		filter:            fi,
		connect:           deps.Connect,
		scanRegionTimeout: cmp.Or(deps.ScanRegionTimeout, DefaultScanRegionTimeout),
		scanTimeout:       cmp.Or(deps.ScanTimeout, DefaultScanTimeout),
	}
	m.opened = time.Now()
	m.self = peer{name: deps.Stack.Name, region: region, lbARN: t.LoadBalancerARN, lbDNS: out.LoadBalancerDNS(), lbZone: out.LoadBalancerZoneID()}
	if m.readOnly = deps.Fleet.ReadOnly(); m.readOnly != "" {
		m.keys.markReadOnly()
	}
	m.tables, m.lines, m.offsets = make([]*table, len(panels)), make([][]line, len(panels)), make([]int, len(panels))
	for i, p := range panels {
		m.tables[i] = p.newTable()
	}
	return m, nil
}

// Init starts the first refresh.
func (m *Model) Init() tea.Cmd {
	var peers tea.Cmd
	if m.target.ZoneID == "" && m.stateDir != "" {
		// A stack without a record may be the green of a pair: the peers
		// say whose record to watch (recordtarget.go).
		peers = loadPeers(m.stateDir, m.stack.name)
	}
	return tea.Batch(m.fetchNow(fetchAll), m.clockCmd(), m.listenRetries(), m.loadLog(), peers)
}

// Capturing reports whether typed text goes to the console (the filter or
// a dialog's field): the root leaves q and ? alone then.
func (m *Model) Capturing() bool {
	return m.filtering || m.dialog != nil && m.dialog.capturing()
}

// Busy says what quitting would interrupt: an action AWS has not answered.
func (m *Model) Busy() string {
	if m.acting != "" {
		return m.acting + " is waiting for AWS's answer"
	}
	return ""
}

// Update handles a message for the console.
func (m *Model) Update(msg tea.Msg) (screen.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case snapshotMsg:
		return nil, m.onSnapshot(msg)
	case tickMsg:
		return nil, m.onTick(msg)
	case clockMsg:
		return nil, m.clockCmd()
	case retryMsg:
		return nil, m.onRetry(msg)
	case logLoadedMsg:
		m.onLogLoaded(msg)
		return nil, nil
	case logSavedMsg:
		m.onLogSaved(msg)
		return nil, nil
	case actionDoneMsg:
		return m.onActionDone(msg)
	case recordedStacksMsg:
		m.onRecordedStacks(msg)
		return nil, nil
	case regionScanMsg:
		m.onRegionScan(msg)
		return nil, nil
	case peersMsg:
		m.notePeers(msg.peers)
		if m.dialog != nil && m.dialog.kind == dialogSwitch {
			m.dialog.onPeers(msg, m.self)
		}
		return nil, m.watchBorrowed(msg.peers)
	case tea.BackgroundColorMsg:
		m.paint = paint{} // the root changed the styles in place
		return nil, nil
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.PasteMsg:
		if m.filtering {
			var cmd tea.Cmd
			m.filter, cmd = m.filter.Update(msg)
			m.applyFilter()
			return nil, cmd
		}
		if m.dialog != nil {
			return m.dialog.update(m, msg)
		}
	}
	return nil, nil
}

func (m *Model) onKey(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	if m.dialog != nil {
		return m.dialog.update(m, msg)
	}
	if m.picker != nil {
		return m.updatePicker(msg)
	}
	if m.filtering {
		switch {
		case key.Matches(msg, m.keys.shared.Back):
			m.filtering = false
			m.filter.SetValue("")
			m.filter.Blur()
			m.applyFilter()
			return nil, nil
		case key.Matches(msg, m.keys.shared.Enter):
			m.filtering = false
			m.filter.Blur()
			return nil, nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.applyFilter()
		return nil, cmd
	}
	k := m.keys
	t := m.tables[m.tab]
	page := max(1, m.bodyRows-1)
	switch {
	case key.Matches(msg, k.shared.Back):
		switch {
		case m.detail:
			m.detail = false
		case m.filter.Value() != "":
			m.filter.SetValue("")
			m.applyFilter()
		}
	case key.Matches(msg, k.NextTab):
		m.tab = (m.tab + 1) % viewCount()
	case key.Matches(msg, k.PrevTab):
		m.tab = (m.tab + viewCount() - 1) % viewCount()
	case key.Matches(msg, k.Tab):
		m.tab = view(msg.String()[0] - '1')
	case key.Matches(msg, k.shared.Up):
		m.scroll(t, -1, page)
	case key.Matches(msg, k.shared.Down):
		m.scroll(t, 1, page)
	case key.Matches(msg, k.PageUp):
		m.scroll(t, -page, page)
	case key.Matches(msg, k.PageDown):
		m.scroll(t, page, page)
	case key.Matches(msg, k.Home):
		m.scroll(t, -1<<30, page)
	case key.Matches(msg, k.End):
		m.scroll(t, 1<<30, page)
	case key.Matches(msg, k.Filter):
		if t != nil {
			m.filtering = true
			return nil, m.filter.Focus()
		}
	case key.Matches(msg, k.Sort):
		if t != nil {
			t.nextSort()
		}
	case key.Matches(msg, k.Reverse):
		if t != nil {
			t.reverse()
		}
	case key.Matches(msg, k.Detail):
		if t != nil && t.selected() != nil {
			m.detail = !m.detail
		}
	case key.Matches(msg, k.Copy):
		return m.copySelected()
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	case key.Matches(msg, k.Refresh):
		return screen.Notice{Text: "refreshing now"}, m.fetchNow(fetchAll)
	case key.Matches(msg, k.Stacks):
		return m.openPicker()
	case key.Matches(msg, k.Faster):
		return m.setInterval(m.refresh.interval / 2)
	case key.Matches(msg, k.Slower):
		return m.setInterval(m.refresh.interval * 2)
	default:
		return m.startAction(msg)
	}
	return nil, nil
}

// scroll moves the cursor of the table shown, or the text panel's lines.
func (m *Model) scroll(t *table, delta, page int) {
	if t != nil {
		t.move(delta, page)
		return
	}
	// The lines go under what the panel draws above them (its title),
	// in the rows of the body the last View left.
	rows := max(1, m.bodyRows-len(panels[m.tab].above(m, m.width)))
	m.offsets[m.tab] = max(0, min(len(m.lines[m.tab])-rows, m.offsets[m.tab]+delta))
}

// applyFilter sets the filter on every table, so switching views keeps it.
func (m *Model) applyFilter() {
	for _, t := range m.tables {
		if t != nil {
			t.filter = m.filter.Value()
			t.apply()
		}
	}
}

// copySelected copies the id under the cursor to the clipboard with OSC 52.
func (m *Model) copySelected() (screen.Action, tea.Cmd) {
	t := m.tables[m.tab]
	if t == nil || t.selected() == nil {
		return screen.Notice{Text: "nothing selected to copy"}, nil
	}
	id := t.selected().id
	return screen.Notice{Text: "copied " + id + " to the clipboard"}, tea.SetClipboard(id)
}

func (m *Model) setInterval(d time.Duration) (screen.Action, tea.Cmd) {
	d = max(time.Second, min(5*time.Minute, d))
	m.refresh.interval = d
	return screen.Notice{Text: "refreshing every " + dur(d)}, nil
}

// KeyMap returns the bindings that work now, for the root's help.
func (m *Model) KeyMap() help.KeyMap {
	k := m.keys
	if m.dialog != nil {
		return screen.Help{Short: m.dialog.keys(m), Full: [][]key.Binding{m.dialog.keys(m)}}
	}
	if m.filtering {
		return screen.Help{Short: []key.Binding{k.shared.Enter, k.shared.Back}}
	}
	if m.picker != nil {
		return screen.Help{Short: append(m.pickerKeys(), k.shared.Help, k.shared.Quit), Full: [][]key.Binding{m.pickerKeys()}}
	}
	// Three columns that fit 80 cells: the actions first, then the list
	// and the refresh, then moving between views (the root adds the
	// shared keys).
	acts := k.actionKeys()
	list := []key.Binding{k.Filter, k.Sort, k.Reverse, k.Detail, k.Copy, k.Pause, k.Refresh, k.Faster, k.Slower}
	nav := []key.Binding{k.NextTab, k.Tab, k.PageDown, k.Home, k.End, k.Stacks}
	return screen.Help{
		Short: m.shortKeys(),
		Full:  [][]key.Binding{acts, list, nav},
	}
}

// shortKeys are the keys the one footer names (the root draws it; the
// console draws no key hints of its own): moving, the list, and the two
// most used actions, or none of them when the console is read-only.
func (m *Model) shortKeys() []key.Binding {
	k := m.keys
	// Sort is in the full help: the footer keeps the stack switcher
	// instead, and still ends with help and quit at 120 columns.
	short := []key.Binding{k.NextTab, k.Filter, k.Detail, k.Pause, k.Refresh, k.Stacks}
	if m.readOnly == "" {
		short = append(short, k.Capacity, k.Terminate)
	}
	return append(short, k.shared.Help, k.shared.Quit)
}

// line is one line of text with what it means.
type line struct {
	text string
	tone tone
	// wrap asks a dialog to wrap the line rather than cut it.
	wrap bool
}
