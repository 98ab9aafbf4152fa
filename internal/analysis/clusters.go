package analysis

import (
	"context"
	"runtime"
	"strings"
	"sync"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Cluster monitoring works on the default cluster system (Chongqing's
// "33618"); the tables carry the system id so that other systems can be
// tracked side by side later.

// AssignOptions change how AssignClusters runs.
type AssignOptions struct {
	User string
	// Changes is how many changed memberships to list (0: 20).
	Changes int
}

// AssignResult is what an assignment did.
type AssignResult struct {
	store.Assignment
	Unassigned int64                    `json:"unassigned"`
	Changes    []store.MembershipChange `json:"changes"` // the first Changes of them
}

// AssignClusters places every enterprise in the clusters of the default
// system: the system's rules (GB/T 4754 codes at any level, business-scope
// keywords, exclusions; one primary cluster each, see refdata.Matcher),
// then the manual overrides in force. It records the assignment with its
// per-cluster counts and what changed since the previous one.
func AssignClusters(ctx context.Context, st *store.Store, opts AssignOptions) (*AssignResult, error) {
	cs := refdata.DefaultClusterSystem()
	overrides, err := st.Overrides(ctx, cs.ID, "", false)
	if err != nil {
		return nil, err
	}
	byFirm := map[string][]store.Override{}
	for _, o := range overrides {
		byFirm[o.USCC] = append(byFirm[o.USCC], o)
	}
	user := opts.User
	if user == "" {
		user = "indus"
	}
	a, err := st.ReplaceMemberships(ctx, store.AssignmentMeta{SystemID: cs.ID, SystemVersion: cs.Version, User: user},
		func(add func(store.MembershipRow) error) error {
			return matchAll(ctx, st, cs, byFirm, add)
		})
	if err != nil {
		return nil, err
	}
	res := &AssignResult{Assignment: a, Unassigned: a.Unassigned()}
	if !a.First {
		n := opts.Changes
		if n <= 0 {
			n = 20
		}
		if res.Changes, err = st.MembershipChanges(ctx, a.ID, n); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// matchAll streams every enterprise through the matcher. Matching runs on
// all cores while the database streams the enterprises in; the appender is
// fed from this goroutine only, because it is not safe for concurrent use.
func matchAll(ctx context.Context, st *store.Store, cs *refdata.ClusterSystem, overrides map[string][]store.Override,
	add func(store.MembershipRow) error) error {
	m := cs.Matcher()
	const chunk = 4096
	type job struct {
		in  []store.Classification
		out chan []store.MembershipRow
	}
	jobs := make(chan job, 4)
	ordered := make(chan chan []store.MembershipRow, 16)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var rows []store.MembershipRow
				for _, c := range j.in {
					rows = append(rows, Memberships(m.Match(c.IndustryCode, c.BusinessScope), c.USCC, overrides[c.USCC])...)
				}
				j.out <- rows
			}
		}()
	}
	// The writer drains results in input order, so the memberships are
	// written in the order the enterprises were read.
	werr := make(chan error, 1)
	go func() {
		var err error
		for ch := range ordered {
			rows := <-ch
			for _, r := range rows {
				if err == nil {
					err = add(r)
				}
			}
		}
		werr <- err
	}()
	buf := make([]store.Classification, 0, chunk)
	flush := func() {
		if len(buf) == 0 {
			return
		}
		out := make(chan []store.MembershipRow, 1)
		ordered <- out
		jobs <- job{in: buf, out: out}
		buf = make([]store.Classification, 0, chunk)
	}
	err := st.ScanClassifications(ctx, func(c store.Classification) error {
		buf = append(buf, c)
		if len(buf) == chunk {
			flush()
		}
		return ctx.Err()
	})
	flush()
	close(jobs)
	close(ordered)
	wg.Wait()
	if werr := <-werr; err == nil {
		err = werr
	}
	return err
}

// Memberships turns an enterprise's rule matches (most specific first, the
// first primary) and its overrides in force into its membership rows:
// "remove" overrides drop a cluster, "add" overrides add one (recording
// the reason as the rule), and an override that makes a cluster primary
// wins; otherwise the primary is the first remaining rule match, so a
// removed primary passes to the next most specific cluster.
func Memberships(matches []refdata.Membership, uscc string, overrides []store.Override) []store.MembershipRow {
	if len(matches) == 0 && len(overrides) == 0 {
		return nil
	}
	removed := map[string]bool{}
	for _, o := range overrides {
		if o.Action == store.OverrideRemove {
			removed[o.ClusterID] = true
		}
	}
	rows := make([]store.MembershipRow, 0, len(matches)+len(overrides))
	for _, m := range matches {
		if !removed[m.ClusterID] {
			rows = append(rows, store.MembershipRow{USCC: uscc, ClusterID: m.ClusterID, Source: store.MembershipByRule, Rule: m.Rule()})
		}
	}
	primary := ""
	for _, o := range overrides {
		if o.Action != store.OverrideAdd {
			continue
		}
		found := false
		for i := range rows {
			if rows[i].ClusterID == o.ClusterID {
				found = true
				// A rule already places it: keep the rule, note the override.
				rows[i].Source = store.MembershipByOverride
				rows[i].Rule = "override: " + o.Reason
			}
		}
		if !found {
			rows = append(rows, store.MembershipRow{USCC: uscc, ClusterID: o.ClusterID, Source: store.MembershipByOverride, Rule: "override: " + o.Reason})
		}
		if o.MakePrimary {
			primary = o.ClusterID // the latest such override wins
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if primary == "" {
		primary = rows[0].ClusterID
	}
	for i := range rows {
		rows[i].Primary = rows[i].ClusterID == primary
	}
	return rows
}

// OverrideRequest is a manual correction of one membership.
type OverrideRequest struct {
	USCC      string
	ClusterID string
	Reason    string
	Author    string
	Primary   bool // make it the enterprise's primary cluster
	Remove    bool // take the enterprise out of the cluster
	Clear     bool // revoke the override in force and go back to the rules
}

// OverrideResult is an override and the enterprise's memberships after it.
type OverrideResult struct {
	Override    store.Override        `json:"override"`
	Memberships []store.MembershipRow `json:"memberships"`
	// Pending says the system has not been assigned yet: the override
	// takes effect at the first 'indus clusters assign'.
	Pending bool `json:"pending"`
}

// OverrideCluster records a manual override (or clears one) and applies
// it to the enterprise at once. Overrides are kept apart from the computed
// memberships, so they survive re-imports and every later assignment.
func OverrideCluster(ctx context.Context, st *store.Store, req OverrideRequest) (*OverrideResult, error) {
	cs := refdata.DefaultClusterSystem()
	req.USCC = indus.NormalizeUSCC(req.USCC)
	if _, ok := cs.Cluster(req.ClusterID); !ok {
		return nil, indus.Errorf(indus.EInvalid, "unknown cluster %q; 'indus clusters list' shows the ids", req.ClusterID)
	}
	if strings.TrimSpace(req.Reason) == "" && !req.Clear {
		return nil, indus.Errorf(indus.EInvalid, "an override needs a reason (--reason), so that others can tell why the rules were set aside")
	}
	if strings.TrimSpace(req.Author) == "" {
		return nil, indus.Errorf(indus.EInvalid, "an override needs an author (--user or INDUS_USER)")
	}
	if req.Remove && req.Primary {
		return nil, indus.Errorf(indus.EInvalid, "--remove and --primary contradict each other")
	}
	if req.Clear && (req.Remove || req.Primary) {
		return nil, indus.Errorf(indus.EInvalid, "--clear takes no --remove or --primary: it goes back to the rules")
	}
	c, err := st.EnterpriseClassification(ctx, req.USCC)
	if err != nil {
		return nil, err
	}
	o := store.Override{SystemID: cs.ID, USCC: req.USCC, ClusterID: req.ClusterID, MakePrimary: req.Primary,
		Reason: strings.TrimSpace(req.Reason), Author: req.Author}
	switch {
	case req.Clear:
	case req.Remove:
		o.Action = store.OverrideRemove
	default:
		o.Action = store.OverrideAdd
	}
	// The memberships after the override: the rules plus the other
	// overrides in force plus this one.
	standing, err := st.Overrides(ctx, cs.ID, req.USCC, false)
	if err != nil {
		return nil, err
	}
	var keep []store.Override
	for _, s := range standing {
		if s.ClusterID != req.ClusterID {
			keep = append(keep, s)
		}
	}
	if o.Action != "" {
		keep = append(keep, o)
	}
	rows := Memberships(cs.Matcher().Match(c.IndustryCode, c.BusinessScope), req.USCC, keep)
	id, err := st.SaveOverride(ctx, o, rows)
	if err != nil {
		return nil, err
	}
	o.ID = id
	_, err = st.LatestAssignment(ctx, cs.ID)
	pending := indus.Code(err) == indus.ENotFound
	if err != nil && !pending {
		return nil, err
	}
	if rows == nil {
		rows = []store.MembershipRow{}
	}
	return &OverrideResult{Override: o, Memberships: rows, Pending: pending}, nil
}

// UnassignedList is a page of the enterprises in no cluster.
type UnassignedList struct {
	Total       int64                   `json:"total"`
	Enterprises []store.EnterpriseBrief `json:"enterprises"`
}

// Unassigned lists the enterprises the rules and overrides place in no
// cluster (assigning first when the memberships are out of date).
func Unassigned(ctx context.Context, st *store.Store, limit, offset int) (*UnassignedList, error) {
	cs := refdata.DefaultClusterSystem()
	if _, err := ensureAssigned(ctx, st); err != nil {
		return nil, err
	}
	list, total, err := st.Unassigned(ctx, cs.ID, limit, offset)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []store.EnterpriseBrief{}
	}
	return &UnassignedList{Total: total, Enterprises: list}, nil
}

// ensureAssigned assigns the enterprises when they changed after the last
// assignment (or there was none), so that figures never rest on stale
// memberships; it says whether it did.
func ensureAssigned(ctx context.Context, st *store.Store) (bool, error) {
	cs := refdata.DefaultClusterSystem()
	stale, err := st.MembershipsStale(ctx, cs.ID)
	if err != nil || !stale {
		return false, err
	}
	_, err = AssignClusters(ctx, st, AssignOptions{User: "indus (automatic, enterprises changed)"})
	return err == nil, err
}
