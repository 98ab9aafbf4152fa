package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

// Loads in one process take turns: a second BeginLoad waits for the first
// to finish (or for its context to end), then goes ahead.
func TestLoadsTakeTurns(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	loadEnterprises(t, st, enterprise(testUSCC[0]))
	first, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv"})
	if err != nil {
		t.Fatal(err)
	}
	first.AppendAnnual(2, &indus.AnnualFact{USCC: testUSCC[0], Year: 2024, Revenue: indus.Float(1)})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := st.BeginLoad(short, LoadMeta{Kind: indus.KindAnnual, FileName: "b.csv"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second load while the first runs: %v, want it to wait until its context ends", err)
	}
	started := make(chan *Load)
	go func() {
		l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "b.csv"})
		if err != nil {
			t.Error(err)
		}
		started <- l
	}()
	select {
	case <-started:
		t.Fatal("the second load began before the first committed")
	case <-time.After(50 * time.Millisecond):
	}
	res, _, err := first.Commit(CommitOptions{})
	if err != nil || res.Inserted != 1 {
		t.Fatalf("first load: %+v %v", res, err)
	}
	second := <-started
	second.AppendAnnual(2, &indus.AnnualFact{USCC: testUSCC[0], Year: 2024, Revenue: indus.Float(2)})
	res, _, err = second.Commit(CommitOptions{})
	if err != nil || res.Updated != 1 || res.BatchID != first.batch+1 {
		t.Fatalf("second load: %+v %v (first batch %d)", res, err, first.batch)
	}
}

// failingRun is a run whose rows cannot be written: a fault to inject.
type failingRun struct{ annualRun }

var errInjected = errors.New("injected write failure")

func (r failingRun) write(w *chunkWriter, i int) {
	if i == 3 {
		w.err = errInjected
		return
	}
	r.annualRun.write(w, i)
}

// When inserting a run fails, the next append or the commit reports it,
// and the database is as it was.
func TestInsertFailureLeavesNothing(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	loadEnterprises(t, st, enterprise(testUSCC[0]))
	before := dump(t, st, "annual_facts")
	l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv"})
	if err != nil {
		t.Fatal(err)
	}
	var run annualRun
	for y := 2000; y < 2010; y++ {
		run = append(run, flatAnnual(&indus.AnnualFact{USCC: testUSCC[0], Year: y}))
	}
	if err := l.inserter.add(failingRun{run}, nil); err != nil {
		t.Fatal(err)
	}
	// The failure surfaces at the latest at commit.
	_, _, err = l.Commit(CommitOptions{})
	if err == nil || !strings.Contains(err.Error(), errInjected.Error()) {
		t.Fatalf("commit after a failed insert: %v, want the injected failure", err)
	}
	if after := dump(t, st, "annual_facts"); after != before {
		t.Errorf("a failed load changed annual_facts:\n%s\n%s", before, after)
	}
	// The store is free for the next load.
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[1])); err != nil {
		t.Fatal(err)
	}
}

// A load whose context ends (an upload whose client went away) stops,
// leaves nothing, and frees the store for the next load.
func TestCancelledLoadLeavesNothing(t *testing.T) {
	st := openTemp(t)
	loadEnterprises(t, st, enterprise(testUSCC[0]))
	before := dump(t, st, "annual_facts")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv"})
	if err != nil {
		t.Fatal(err)
	}
	var appendErr error
	for y := 0; y < 3*runRows && appendErr == nil; y++ {
		if y == runRows+10 {
			cancel() // after the first run went to the inserter
		}
		appendErr = l.AppendAnnual(y+2, &indus.AnnualFact{USCC: testUSCC[0], Year: 1000 + y, Revenue: indus.Float(1)})
	}
	_, _, err = l.Commit(CommitOptions{})
	if err == nil {
		t.Fatal("a cancelled load committed")
	}
	if after := dump(t, st, "annual_facts"); after != before {
		t.Errorf("a cancelled load changed annual_facts")
	}
	next, cancelNext := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelNext()
	l2, err := st.BeginLoad(next, LoadMeta{Kind: indus.KindAnnual, FileName: "b.csv"})
	if err != nil {
		t.Fatalf("the store is not free after a cancelled load: %v", err)
	}
	l2.AppendAnnual(2, &indus.AnnualFact{USCC: testUSCC[0], Year: 2024, Revenue: indus.Float(1)})
	if res, _, err := l2.Commit(CommitOptions{}); err != nil || res.Inserted != 1 {
		t.Fatalf("the next load: %+v %v", res, err)
	}
}
