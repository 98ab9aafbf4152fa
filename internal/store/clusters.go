package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// MembershipRow is one enterprise's membership in one cluster.
type MembershipRow struct {
	USCC      string `json:"uscc"`
	ClusterID string `json:"cluster_id"`
	Primary   bool   `json:"primary"`
	Source    string `json:"source"` // MembershipByRule or MembershipByOverride
	Rule      string `json:"rule"`   // "code 361", "keyword 卫星", or the override's reason
}

// Where a membership comes from.
const (
	MembershipByRule     = "rule"
	MembershipByOverride = "override"
)

// Kinds of membership change between two assignments.
const (
	ChangeAdded         = "added"
	ChangeRemoved       = "removed"
	ChangeBecamePrimary = "became_primary"
	ChangeLostPrimary   = "lost_primary"
	// ChangeRule: still a member, by another rule (or an override's reason).
	ChangeRule = "rule"
)

// AssignmentMeta describes an assignment run.
type AssignmentMeta struct {
	SystemID      string
	SystemVersion string
	User          string
}

// AssignmentCount is one cluster's membership after an assignment, and
// how it changed against the previous one.
type AssignmentCount struct {
	ClusterID string `json:"cluster_id"`
	Members   int64  `json:"members"`
	Primary   int64  `json:"primary_members"`
	Added     int64  `json:"added"`
	Removed   int64  `json:"removed"`
}

// Assignment is one recorded run that placed every enterprise in its
// clusters.
type Assignment struct {
	ID            int64     `json:"id"`
	SystemID      string    `json:"system_id"`
	SystemVersion string    `json:"system_version"`
	User          string    `json:"user"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	// DataBatch is the newest import batch the assignment saw.
	DataBatch   int64 `json:"data_batch"`
	Enterprises int64 `json:"enterprises"`
	Assigned    int64 `json:"assigned"` // enterprises in at least one cluster
	Memberships int64 `json:"memberships"`
	// Added, Removed and PrimaryChanged compare with the previous
	// assignment; First says there was none (then everything is new and no
	// change is recorded).
	Added          int64             `json:"added"`
	Removed        int64             `json:"removed"`
	PrimaryChanged int64             `json:"primary_changed"`
	First          bool              `json:"first"`
	Counts         []AssignmentCount `json:"counts"`
}

// Unassigned is the number of enterprises in no cluster.
func (a Assignment) Unassigned() int64 { return a.Enterprises - a.Assigned }

// MembershipChange is one change an assignment made.
type MembershipChange struct {
	USCC      string `json:"uscc"`
	Name      string `json:"name"`
	ClusterID string `json:"cluster_id"`
	Change    string `json:"change"`
}

// Classification is what membership rules look at: an enterprise's
// industry code and business scope.
type Classification struct {
	USCC          string
	IndustryCode  string
	BusinessScope string
}

// ScanClassifications streams every enterprise's code and scope to fn.
func (s *Store) ScanClassifications(ctx context.Context, fn func(Classification) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT uscc, coalesce(industry_code, ''), coalesce(business_scope, '') FROM enterprises`)
	if err != nil {
		return fmt.Errorf("read enterprises: %w", err)
	}
	defer rows.Close()
	var c Classification
	for rows.Next() {
		if err := rows.Scan(&c.USCC, &c.IndustryCode, &c.BusinessScope); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EnterpriseClassification returns one enterprise's code and scope; a
// missing enterprise is a not-found error.
func (s *Store) EnterpriseClassification(ctx context.Context, uscc string) (Classification, error) {
	c := Classification{USCC: uscc}
	if err := s.requireInScope(ctx, uscc); err != nil {
		return c, err
	}
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(industry_code, ''), coalesce(business_scope, '') FROM enterprises WHERE uscc = ?`, uscc).
		Scan(&c.IndustryCode, &c.BusinessScope)
	if err == sql.ErrNoRows {
		return c, indus.Errorf(indus.ENotFound, "there is no enterprise %s; import it first", uscc).Zh("没有企业 %s；请先导入", uscc)
	}
	return c, err
}

// ReplaceMemberships records a new assignment of a system: fill streams
// every membership through add (the caller matches the enterprises and
// applies the overrides). In one transaction it compares them with the
// current memberships, records the changes and per-cluster counts, and
// replaces the memberships; on any error nothing changes.
func (s *Store) ReplaceMemberships(ctx context.Context, meta AssignmentMeta, fill func(add func(MembershipRow) error) error) (Assignment, error) {
	defer s.dataChanged() // after the commit or rollback
	a := Assignment{SystemID: meta.SystemID, SystemVersion: meta.SystemVersion, User: meta.User, StartedAt: time.Now().UTC()}
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM import_batches`).Scan(&a.DataBatch); err != nil {
		return a, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return a, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return a, err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE stage_memberships (uscc VARCHAR, cluster_id VARCHAR, is_primary BOOLEAN, source VARCHAR, rule VARCHAR)`); err != nil {
		return a, err
	}
	var app *duckdb.Appender
	if err := conn.Raw(func(dc any) error {
		var err error
		app, err = duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "stage_memberships")
		return err
	}); err != nil {
		return a, fmt.Errorf("open appender: %w", err)
	}
	err = fill(func(m MembershipRow) error {
		return app.AppendRow(m.USCC, m.ClusterID, m.Primary, m.Source, m.Rule)
	})
	if cerr := app.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return a, err
	}

	var prev int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM cluster_assignments WHERE system_id = ?`, meta.SystemID).Scan(&prev); err != nil {
		return a, err
	}
	a.First = prev == 0
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM cluster_assignments`).Scan(&a.ID); err != nil {
		return a, err
	}
	// One full outer join finds every change; it is small next to the
	// memberships themselves, so it is kept whole.
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE stage_changes AS
		SELECT coalesce(n.uscc, o.uscc) AS uscc, coalesce(n.cluster_id, o.cluster_id) AS cluster_id,
		       CASE WHEN o.uscc IS NULL THEN 'added' WHEN n.uscc IS NULL THEN 'removed'
		            WHEN n.is_primary <> o.is_primary THEN CASE WHEN n.is_primary THEN 'became_primary' ELSE 'lost_primary' END
		            ELSE 'rule' END AS change
		FROM stage_memberships n
		FULL OUTER JOIN (SELECT uscc, cluster_id, is_primary, source, rule FROM cluster_memberships WHERE system_id = ?) o
		  ON n.uscc = o.uscc AND n.cluster_id = o.cluster_id
		WHERE o.uscc IS NULL OR n.uscc IS NULL OR n.is_primary <> o.is_primary OR n.source <> o.source OR n.rule <> o.rule`, meta.SystemID); err != nil {
		return a, fmt.Errorf("compare memberships: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM enterprises),
		(SELECT count(DISTINCT uscc) FROM stage_memberships),
		(SELECT count(*) FROM stage_memberships),
		(SELECT count(*) FILTER (WHERE change = 'added') FROM stage_changes),
		(SELECT count(*) FILTER (WHERE change = 'removed') FROM stage_changes),
		(SELECT count(DISTINCT uscc) FILTER (WHERE change IN ('became_primary', 'lost_primary')) FROM stage_changes)`).
		Scan(&a.Enterprises, &a.Assigned, &a.Memberships, &a.Added, &a.Removed, &a.PrimaryChanged); err != nil {
		return a, err
	}
	if a.First {
		// Everything is new: the counts say so, the change list would only
		// repeat the memberships.
		a.Removed, a.PrimaryChanged = 0, 0
	} else if _, err := conn.ExecContext(ctx, `INSERT INTO cluster_membership_changes SELECT ?, uscc, cluster_id, change FROM stage_changes`, a.ID); err != nil {
		return a, fmt.Errorf("record changes: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO cluster_assignment_counts
		SELECT ?, cluster_id, sum(members), sum(prim), sum(added), sum(removed) FROM (
		  SELECT cluster_id, 1 AS members, CASE WHEN is_primary THEN 1 ELSE 0 END AS prim, 0 AS added, 0 AS removed FROM stage_memberships
		  UNION ALL
		  SELECT cluster_id, 0, 0, CASE WHEN change = 'added' THEN 1 ELSE 0 END, CASE WHEN change = 'removed' THEN 1 ELSE 0 END FROM stage_changes
		) GROUP BY cluster_id`, a.ID); err != nil {
		return a, fmt.Errorf("count memberships: %w", err)
	}
	if a.First {
		if _, err := conn.ExecContext(ctx, `DELETE FROM cluster_memberships WHERE system_id = ?`, meta.SystemID); err != nil {
			return a, err
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO cluster_memberships SELECT ?, uscc, cluster_id, is_primary, source, rule FROM stage_memberships`, meta.SystemID); err != nil {
			return a, fmt.Errorf("write memberships: %w", err)
		}
	} else {
		// Only what changed is rewritten: re-assigning after an import
		// usually touches a few thousand of a million rows, and writing
		// those is most of the cost.
		if _, err := conn.ExecContext(ctx, `DELETE FROM cluster_memberships m WHERE m.system_id = ? AND EXISTS (
			SELECT 1 FROM stage_changes c WHERE c.uscc = m.uscc AND c.cluster_id = m.cluster_id AND c.change <> 'added')`, meta.SystemID); err != nil {
			return a, err
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO cluster_memberships SELECT ?, n.uscc, n.cluster_id, n.is_primary, n.source, n.rule
			FROM stage_memberships n JOIN stage_changes c ON c.uscc = n.uscc AND c.cluster_id = n.cluster_id WHERE c.change <> 'removed'`, meta.SystemID); err != nil {
			return a, fmt.Errorf("write memberships: %w", err)
		}
	}
	a.FinishedAt = time.Now().UTC()
	if _, err := conn.ExecContext(ctx, `INSERT INTO cluster_assignments (id, system_id, system_version, username, started_at, finished_at,
		data_batch, enterprises, assigned, memberships, added, removed, primary_changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.SystemID, a.SystemVersion, a.User, a.StartedAt, a.FinishedAt, a.DataBatch, a.Enterprises, a.Assigned, a.Memberships,
		a.Added, a.Removed, a.PrimaryChanged); err != nil {
		return a, fmt.Errorf("record assignment: %w", err)
	}
	for _, t := range []string{"stage_memberships", "stage_changes"} {
		if _, err := conn.ExecContext(ctx, "DROP TABLE "+t); err != nil {
			return a, err
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return a, fmt.Errorf("commit assignment: %w", err)
	}
	committed = true
	a.Counts, err = s.assignmentCounts(ctx, a.ID)
	return a, err
}

func (s *Store) assignmentCounts(ctx context.Context, id int64) ([]AssignmentCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT cluster_id, members, primary_members, added, removed FROM cluster_assignment_counts
		WHERE assignment_id = ? ORDER BY cluster_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AssignmentCount
	for rows.Next() {
		var c AssignmentCount
		if err := rows.Scan(&c.ClusterID, &c.Members, &c.Primary, &c.Added, &c.Removed); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LatestAssignment returns the newest assignment of a system; a system
// never assigned is a not-found error.
func (s *Store) LatestAssignment(ctx context.Context, systemID string) (Assignment, error) {
	var a Assignment
	err := s.db.QueryRowContext(ctx, `SELECT id, system_id, system_version, username, started_at, finished_at, data_batch,
		enterprises, assigned, memberships, added, removed, primary_changed,
		(SELECT count(*) FROM cluster_assignments p WHERE p.system_id = c.system_id AND p.id < c.id) = 0
		FROM cluster_assignments c WHERE system_id = ? ORDER BY id DESC LIMIT 1`, systemID).
		Scan(&a.ID, &a.SystemID, &a.SystemVersion, &a.User, &a.StartedAt, &a.FinishedAt, &a.DataBatch,
			&a.Enterprises, &a.Assigned, &a.Memberships, &a.Added, &a.Removed, &a.PrimaryChanged, &a.First)
	if err == sql.ErrNoRows {
		return a, indus.Errorf(indus.ENotFound, "enterprises have not been assigned to the clusters of %s yet; run 'indus clusters assign'", systemID).
			Zh("企业尚未归入 %s 的集群；请先运行 indus clusters assign", systemID)
	}
	if err != nil {
		return a, err
	}
	a.Counts, err = s.assignmentCounts(ctx, a.ID)
	return a, err
}

// MembershipChanges lists up to limit changes an assignment made, with the
// enterprises' names, by cluster and code.
func (s *Store) MembershipChanges(ctx context.Context, assignmentID int64, limit int) ([]MembershipChange, error) {
	if limit <= 0 {
		limit = 100
	}
	pred, args := scopeSQL(indus.ScopeFrom(ctx), "e")
	if pred == "TRUE" { // enterprises removed since still show, by code
		pred = "(e.uscc IS NULL OR TRUE)"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.uscc, coalesce(e.name, ''), c.cluster_id, c.change FROM cluster_membership_changes c
		LEFT JOIN enterprises e ON e.uscc = c.uscc WHERE c.assignment_id = ? AND `+pred+` ORDER BY c.cluster_id, c.change, c.uscc LIMIT ?`,
		append(append([]any{assignmentID}, args...), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MembershipChange
	for rows.Next() {
		var m MembershipChange
		if err := rows.Scan(&m.USCC, &m.Name, &m.ClusterID, &m.Change); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MembershipsStale reports whether enterprises changed (an import or an
// undo of enterprises) after the latest assignment of the system, or the
// system was never assigned: then memberships must be worked out again.
func (s *Store) MembershipsStale(ctx context.Context, systemID string) (bool, error) {
	var stale bool
	err := s.db.QueryRowContext(ctx, `SELECT coalesce((
		SELECT EXISTS (SELECT 1 FROM import_batches b WHERE b.kind = 'enterprises'
		          AND (b.id > a.data_batch OR b.undone_at > a.finished_at))
		FROM cluster_assignments a WHERE a.system_id = ? ORDER BY a.id DESC LIMIT 1), true)`, systemID).Scan(&stale)
	return stale, err
}

// Memberships returns one enterprise's memberships, primary first.
func (s *Store) Memberships(ctx context.Context, systemID, uscc string) ([]MembershipRow, error) {
	if err := s.requireInScope(ctx, uscc); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT uscc, cluster_id, is_primary, source, rule FROM cluster_memberships
		WHERE system_id = ? AND uscc = ? ORDER BY is_primary DESC, cluster_id`, systemID, uscc)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MembershipRow
	for rows.Next() {
		var m MembershipRow
		if err := rows.Scan(&m.USCC, &m.ClusterID, &m.Primary, &m.Source, &m.Rule); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Override is a manual correction of one enterprise's membership in one
// cluster: add it (optionally as the primary cluster) or remove it,
// whatever the rules say. Overrides are kept apart from the memberships,
// so every assignment applies them again and re-imports cannot lose them.
type Override struct {
	ID          int64      `json:"id"`
	SystemID    string     `json:"system_id"`
	USCC        string     `json:"uscc"`
	ClusterID   string     `json:"cluster_id"`
	Action      string     `json:"action"` // OverrideAdd or OverrideRemove
	MakePrimary bool       `json:"make_primary"`
	Reason      string     `json:"reason"`
	Author      string     `json:"author"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	RevokedBy   string     `json:"revoked_by,omitempty"`
}

// Override actions.
const (
	OverrideAdd    = "add"
	OverrideRemove = "remove"
)

// Overrides lists a system's overrides in the order they were made: only
// those in force, or with all also the revoked ones. uscc, when not empty,
// limits the list to one enterprise.
func (s *Store) Overrides(ctx context.Context, systemID, uscc string, all bool) ([]Override, error) {
	q := `SELECT id, system_id, uscc, cluster_id, action, make_primary, reason, author, created_at, revoked_at, coalesce(revoked_by, '')
		FROM cluster_overrides o WHERE system_id = ?`
	args := []any{systemID}
	if sc := indus.ScopeFrom(ctx); !sc.All {
		pred, a := scopeSQL(sc, "e")
		q += ` AND EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = o.uscc AND ` + pred + `)`
		args = append(args, a...)
	}
	if uscc != "" {
		q += ` AND uscc = ?`
		args = append(args, uscc)
	}
	if !all {
		q += ` AND revoked_at IS NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Override
	for rows.Next() {
		var o Override
		var rev sql.NullTime
		if err := rows.Scan(&o.ID, &o.SystemID, &o.USCC, &o.ClusterID, &o.Action, &o.MakePrimary, &o.Reason, &o.Author, &o.CreatedAt, &rev, &o.RevokedBy); err != nil {
			return nil, err
		}
		if rev.Valid {
			t := rev.Time
			o.RevokedAt = &t
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SaveOverride records an override (revoking any standing override of the
// same enterprise and cluster) or, when o.Action is empty, only revokes
// them (a clear). When the system has been assigned, the enterprise's
// memberships are replaced with rows in the same transaction, so the
// override takes effect at once; otherwise the next assignment applies it.
// It returns the new override's id (0 for a clear).
func (s *Store) SaveOverride(ctx context.Context, o Override, rows []MembershipRow) (int64, error) {
	defer s.dataChanged() // after the commit or rollback
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	if o.CreatedAt.IsZero() {
		o.CreatedAt = now
	}
	res, err := tx.ExecContext(ctx, `UPDATE cluster_overrides SET revoked_at = ?, revoked_by = ?
		WHERE system_id = ? AND uscc = ? AND cluster_id = ? AND revoked_at IS NULL`, now, o.Author, o.SystemID, o.USCC, o.ClusterID)
	if err != nil {
		return 0, err
	}
	if o.Action == "" {
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, indus.Errorf(indus.ENotFound, "there is no override of %s in cluster %s to clear", o.USCC, o.ClusterID).
				Zh("企业 %s 在集群 %s 中没有可清除的人工调整", o.USCC, o.ClusterID)
		}
	} else {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM cluster_overrides`).Scan(&o.ID); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cluster_overrides (id, system_id, uscc, cluster_id, action, make_primary, reason, author, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.SystemID, o.USCC, o.ClusterID, o.Action, o.MakePrimary, o.Reason, o.Author, o.CreatedAt); err != nil {
			return 0, fmt.Errorf("record override: %w", err)
		}
	}
	var assigned int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cluster_assignments WHERE system_id = ?`, o.SystemID).Scan(&assigned); err != nil {
		return 0, err
	}
	if assigned > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM cluster_memberships WHERE system_id = ? AND uscc = ?`, o.SystemID, o.USCC); err != nil {
			return 0, err
		}
		for _, m := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cluster_memberships VALUES (?, ?, ?, ?, ?, ?)`,
				o.SystemID, m.USCC, m.ClusterID, m.Primary, m.Source, m.Rule); err != nil {
				return 0, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit override: %w", err)
	}
	return o.ID, nil
}

// EnterpriseBrief is what lists of enterprises show.
type EnterpriseBrief struct {
	USCC         string `json:"uscc"`
	Name         string `json:"name"`
	UnitCode     string `json:"unit_code"`
	IndustryCode string `json:"industry_code"`
	AboveSize    bool   `json:"above_size"`
	// PrimaryCluster is empty for an enterprise in no cluster.
	PrimaryCluster string `json:"primary_cluster,omitempty"`
}

// Unassigned lists the enterprises in no cluster of the system, by code,
// with their total count; above-size ones first, since they matter most
// for the cluster statistics.
func (s *Store) Unassigned(ctx context.Context, systemID string, limit, offset int) ([]EnterpriseBrief, int64, error) {
	if limit <= 0 {
		limit = 100
	}
	pred, scopeArgs := scopeSQL(indus.ScopeFrom(ctx), "e")
	from := ` FROM enterprises e WHERE NOT EXISTS (SELECT 1 FROM cluster_memberships m WHERE m.system_id = ? AND m.uscc = e.uscc) AND ` + pred
	args := append([]any{systemID}, scopeArgs...)
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT e.uscc, e.name, e.unit_code, coalesce(e.industry_code, ''), e.above_size`+from+
		` ORDER BY e.above_size DESC, e.industry_code, e.uscc LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []EnterpriseBrief
	for rows.Next() {
		var b EnterpriseBrief
		if err := rows.Scan(&b.USCC, &b.Name, &b.UnitCode, &b.IndustryCode, &b.AboveSize); err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	return out, total, rows.Err()
}
