package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// lockedStore opens stack demo in a fresh dir and takes its lock.
func lockedStore(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(t.Context(), "stackwiz apply")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unlock() })
	return s, dir
}

// onDisk reads the stack's record the way the next process would.
func onDisk(t *testing.T, dir string) Stack {
	t.Helper()
	s, err := Open(dir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	return s.Snapshot()
}

func vpcIntent() Intent {
	return Intent{Key: "network/vpc", Step: "network", Type: "ec2:vpc", Attrs: map[string]string{"cidr": "10.0.0.0/16"}}
}

func TestEachChangeIsOnDiskBeforeItReturns(t *testing.T) {
	s, dir := lockedStore(t)
	if mustOpen(t, dir, "demo").Exists() {
		t.Fatal("a record exists before any change")
	}

	in, err := s.RecordIntent(vpcIntent())
	if err != nil {
		t.Fatal(err)
	}
	got := onDisk(t, dir).Resources
	if len(got) != 1 || got[0].Status != ResourceIntent || got[0].Token != in.Token || in.Token == "" || got[0].Intent.IsZero() {
		t.Fatalf("on disk after intent: %+v; want one intent with token %q", got, in.Token)
	}

	if err := s.RecordCreated("network/vpc", "vpc-123", "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-123", map[string]string{"az_count": "2"}); err != nil {
		t.Fatal(err)
	}
	r := onDisk(t, dir).Resources[0]
	if r.Status != ResourceCreated || r.ID != "vpc-123" || r.Attrs["cidr"] != "10.0.0.0/16" || r.Attrs["az_count"] != "2" || r.Created.IsZero() {
		t.Fatalf("on disk after created: %+v", r)
	}

	if err := s.RecordDeleting("network/vpc"); err != nil {
		t.Fatal(err)
	}
	if st := onDisk(t, dir).Resources[0].Status; st != ResourceDeleting {
		t.Fatalf("on disk after deleting: %s", st)
	}
	if err := s.RecordDeleted("network/vpc"); err != nil {
		t.Fatal(err)
	}
	r = onDisk(t, dir).Resources[0]
	if r.Status != ResourceDeleted || r.Deleted.IsZero() || r.Live() {
		t.Fatalf("on disk after deleted: %+v", r)
	}
}

func TestChangesWithoutTheLockAreRefused(t *testing.T) {
	s := mustOpen(t, t.TempDir(), "demo")
	for name, change := range map[string]func() error{
		"RecordIntent": func() error { _, err := s.RecordIntent(vpcIntent()); return err },
		"SetStep":      func() error { return s.SetStep("network", StepInProgress, nil) },
		"SetSpec":      func() error { return s.SetSpec("name: demo") },
		"SetOutputs":   func() error { return s.SetOutputs("network", map[string]string{"vpc_id": "vpc-1"}) },
		"SetIdentity":  func() error { return s.SetIdentity("eu-west-1", "123456789012") },
	} {
		if err := change(); !errors.Is(err, ErrNotLocked) {
			t.Errorf("%s without the lock = %v, want ErrNotLocked", name, err)
		}
	}
	if s.Exists() {
		t.Error("a refused change created a record")
	}
}

func TestResumedIntentKeepsItsClientToken(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, "demo")
	unlock := mustLock(t, s, "stackwiz apply")
	first, err := s.RecordIntent(vpcIntent())
	if err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}

	// The next process resumes the apply and records the same intent again.
	resumed := mustOpen(t, dir, "demo")
	mustLock(t, resumed, "stackwiz apply")
	again, err := resumed.RecordIntent(Intent{Key: "network/vpc", Step: "network", Type: "ec2:vpc", Token: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Token != first.Token {
		t.Errorf("token after resume = %q, want the first one %q", again.Token, first.Token)
	}
	if !again.Intent.Equal(first.Intent) {
		t.Errorf("intent time changed on resume")
	}
}

func TestIntentForAnExistingResourceIsRefused(t *testing.T) {
	s, _ := lockedStore(t)
	if _, err := s.RecordIntent(vpcIntent()); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCreated("network/vpc", "vpc-1", "", nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.RecordIntent(vpcIntent())
	if err == nil || !strings.Contains(err.Error(), "vpc-1") {
		t.Fatalf("intent over a created resource = %v, want a refusal naming vpc-1", err)
	}
	if err := s.RecordDeleting("network/vpc"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordIntent(vpcIntent()); err == nil {
		t.Fatal("intent over a resource being deleted succeeded")
	}
	if _, err := s.RecordIntent(Intent{Key: "network/vpc", Step: "alarms", Type: "sns:topic"}); err == nil {
		t.Fatal("intent of another type under the same key succeeded")
	}
}

func TestRecreatedResourceGetsANewTokenAtTheEndOfCreationOrder(t *testing.T) {
	s, _ := lockedStore(t)
	for _, key := range []string{"a", "b", "c"} {
		if _, err := s.RecordIntent(Intent{Key: key, Step: "network", Type: "ec2:subnet", Token: "tok-" + key}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordDeleted("a"); err != nil {
		t.Fatal(err)
	}
	again, err := s.RecordIntent(Intent{Key: "a", Step: "network", Type: "ec2:subnet"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Token == "tok-a" || again.Token == "" || again.Status != ResourceIntent {
		t.Errorf("recreated resource = %+v; want a fresh intent with a new token", again)
	}
	var order []string
	for _, r := range s.ResourcesOf("network") {
		order = append(order, r.Key)
	}
	if strings.Join(order, ",") != "b,c,a" {
		t.Errorf("creation order = %v, want b,c,a", order)
	}
}

func TestCreatedWithoutIntentIsRefused(t *testing.T) {
	s, _ := lockedStore(t)
	if err := s.RecordCreated("network/vpc", "vpc-1", "", nil); err == nil {
		t.Fatal("created without intent succeeded")
	}
	if _, err := s.RecordIntent(vpcIntent()); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCreated("network/vpc", "", "", nil); err == nil {
		t.Fatal("created without id or ARN succeeded")
	}
}

func TestSetStepStampsTimesAndKeepsTheFailure(t *testing.T) {
	s, dir := lockedStore(t)
	if err := s.SetStep("iam", StepInProgress, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStep("iam", StepFailed, errors.New("create role: AccessDenied")); err != nil {
		t.Fatal(err)
	}
	sr := onDisk(t, dir).Steps["iam"]
	if sr == nil || sr.Status != StepFailed || sr.Error != "create role: AccessDenied" || sr.StartedAt.IsZero() || sr.FinishedAt.Before(sr.StartedAt) {
		t.Fatalf("failed step on disk = %+v", sr)
	}
	if err := s.SetStep("iam", StepInProgress, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStep("iam", StepDone, nil); err != nil {
		t.Fatal(err)
	}
	sr = onDisk(t, dir).Steps["iam"]
	if sr.Status != StepDone || sr.Error != "" || sr.FinishedAt.IsZero() {
		t.Fatalf("done step on disk = %+v; want the old error cleared", sr)
	}
	if err := s.SetStep("iam", StepStatus("finished"), nil); err == nil {
		t.Error("an unknown step status was accepted")
	}
}

func TestOutputsMergeAndSurviveReopen(t *testing.T) {
	s, dir := lockedStore(t)
	if err := s.SetOutputs("network", map[string]string{"vpc_id": "vpc-1", "subnet_a": "subnet-1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOutputs("network", map[string]string{"subnet_a": "subnet-2"}); err != nil {
		t.Fatal(err)
	}
	got := onDisk(t, dir).Steps["network"].Outputs
	want := map[string]string{"vpc_id": "vpc-1", "subnet_a": "subnet-2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs = %v, want %v", got, want)
	}
}

func TestIdentityInAnotherAccountIsRefused(t *testing.T) {
	s, _ := lockedStore(t)
	if err := s.SetIdentity("eu-west-1", "111111111111"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIdentity("", "111111111111"); err != nil {
		t.Fatal(err)
	}
	if got := s.Snapshot(); got.Region != "eu-west-1" {
		t.Errorf("region = %q; an empty region must keep the recorded one", got.Region)
	}
	err := s.SetIdentity("eu-west-1", "222222222222")
	if err == nil || !strings.Contains(err.Error(), "111111111111") {
		t.Fatalf("identity in another account = %v, want a refusal naming 111111111111", err)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	s, _ := lockedStore(t)
	if _, err := s.RecordIntent(vpcIntent()); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOutputs("network", map[string]string{"vpc_id": "vpc-1"}); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	snap.Resources[0].Attrs["cidr"] = "changed"
	snap.Resources[0].Status = ResourceDeleted
	snap.Steps["network"].Outputs["vpc_id"] = "changed"
	r, _ := s.Resource("network/vpc")
	r.Attrs["cidr"] = "changed too"
	if r, _ := s.Resource("network/vpc"); r.Attrs["cidr"] != "10.0.0.0/16" || r.Status != ResourceIntent {
		t.Errorf("changing a copy changed the store: %+v", r)
	}
	if sr, _ := s.Step("network"); sr.Outputs["vpc_id"] != "vpc-1" {
		t.Errorf("changing a copy changed the step: %+v", sr)
	}
}

func TestConcurrentChangesProduceAConsistentFile(t *testing.T) {
	s, dir := lockedStore(t)
	const workers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			step := fmt.Sprintf("step-%d", w)
			for i := range each {
				key := fmt.Sprintf("%s/r%d", step, i)
				if _, err := s.RecordIntent(Intent{Key: key, Step: step, Type: "ec2:subnet"}); err != nil {
					errs <- err
					return
				}
				// Readers run alongside writers, as the UI does.
				_ = s.Snapshot()
				if err := s.RecordCreated(key, "id-"+key, "", map[string]string{"i": fmt.Sprint(i)}); err != nil {
					errs <- err
					return
				}
			}
			if err := s.SetStep(step, StepDone, nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	st := onDisk(t, dir)
	if len(st.Resources) != workers*each {
		t.Fatalf("resources on disk = %d, want %d", len(st.Resources), workers*each)
	}
	for _, r := range st.Resources {
		if r.Status != ResourceCreated || r.ID != "id-"+r.Key {
			t.Fatalf("resource on disk = %+v, want created with its id", r)
		}
	}
	for w := range workers {
		step := fmt.Sprintf("step-%d", w)
		if sr := st.Steps[step]; sr == nil || sr.Status != StepDone {
			t.Errorf("step %s on disk = %+v, want done", step, sr)
		}
		// Each worker's resources keep the order it created them in.
		rs := s.ResourcesOf(step)
		for i, r := range rs {
			if r.Key != fmt.Sprintf("%s/r%d", step, i) {
				t.Fatalf("step %s resource %d is %s: creation order lost", step, i, r.Key)
			}
		}
	}
	if !reflect.DeepEqual(st.Resources, s.Snapshot().Resources) {
		t.Error("the file and the store disagree after all saves returned")
	}
}

func TestJournalKeepsTheMostRecentEntries(t *testing.T) {
	s, _ := lockedStore(t)
	for i := range JournalLimit + 10 {
		if err := s.SetStep(fmt.Sprintf("s%d", i), StepInProgress, nil); err != nil {
			t.Fatal(err)
		}
	}
	j := s.Snapshot().Journal
	if len(j) != JournalLimit {
		t.Fatalf("journal length = %d, want %d", len(j), JournalLimit)
	}
	if j[0].Step != "s10" || j[len(j)-1].Step != fmt.Sprintf("s%d", JournalLimit+9) {
		t.Errorf("journal spans %s..%s, want s10..s%d", j[0].Step, j[len(j)-1].Step, JournalLimit+9)
	}
}

func TestAttributesThatLookLikeCredentialsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		attrs map[string]string
		ok    bool
	}{
		{map[string]string{"cidr": "10.0.0.0/16", "key_name": "deploy", "az": "eu-west-1a"}, true},
		{map[string]string{"secret_access_key": "x"}, false},
		{map[string]string{"SecretAccessKey": "x"}, false},
		{map[string]string{"AccessKeyId": "x"}, false},
		{map[string]string{"session_token": "x"}, false},
		{map[string]string{"db_password": "x"}, false},
		{map[string]string{"private_key": "x"}, false},
		{map[string]string{"note": "made with AKIAIOSFODNN7EXAMPLE"}, false},
		{map[string]string{"note": "ASIAIOSFODNN7EXAMPLE"}, false},
	} {
		s, dir := lockedStore(t)
		_, err := s.RecordIntent(Intent{Key: "k", Step: "s", Type: "t", Attrs: tc.attrs})
		if (err == nil) != tc.ok {
			t.Errorf("RecordIntent attrs %v: err = %v, want ok=%v", tc.attrs, err, tc.ok)
		}
		if !tc.ok && mustOpen(t, dir, "demo").Exists() {
			t.Errorf("attrs %v reached the disk", tc.attrs)
		}
		if err := s.SetOutputs("s", tc.attrs); (err == nil) != tc.ok {
			t.Errorf("SetOutputs %v: err = %v, want ok=%v", tc.attrs, err, tc.ok)
		}
	}
}

// The record's types have no field that can hold a credential. The free
// form maps are guarded by checkNoCredentials; every named field is listed
// here, so adding one makes this test fail until it is looked at.
func TestRecordHasNoPlaceForCredentials(t *testing.T) {
	names := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			walk(typ.Elem())
		case reflect.Struct:
			if typ.PkgPath() != reflect.TypeFor[Stack]().PkgPath() {
				return // time.Time
			}
			for i := range typ.NumField() {
				f := typ.Field(i)
				names[typ.Name()+"."+f.Name] = true
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[Stack]())
	for name := range names {
		if secretKeyPattern.MatchString(name) || strings.Contains(strings.ToLower(name), "key") && !strings.HasSuffix(name, ".Key") {
			t.Errorf("field %s could hold a credential", name)
		}
	}

	// A full record, marshalled, shows no credential-shaped name either.
	s, _ := lockedStore(t)
	if _, err := s.RecordIntent(vpcIntent()); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(s.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if secretKeyPattern.Match(data) {
		t.Errorf("marshalled record contains a credential-like name: %s", data)
	}
}

func BenchmarkSave(b *testing.B) {
	s, _ := lockedStore(b)
	for i := range 200 {
		key := fmt.Sprintf("network/subnet/%d", i)
		if _, err := s.RecordIntent(Intent{Key: key, Step: "network", Type: "ec2:subnet",
			Attrs: map[string]string{"cidr": fmt.Sprintf("10.0.%d.0/24", i), "az": "eu-west-1a", "public": "true"}}); err != nil {
			b.Fatal(err)
		}
		if err := s.RecordCreated(key, fmt.Sprintf("subnet-%017d", i), "arn:aws:ec2:eu-west-1:123456789012:subnet/"+key, nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if err := s.SetOutputs("network", map[string]string{"n": fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
	}
}
