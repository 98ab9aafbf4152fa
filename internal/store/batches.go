package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

// Batch is one recorded import.
type Batch struct {
	ID         int64             `json:"id"`
	Kind       indus.DatasetKind `json:"kind"`
	FileName   string            `json:"file_name"`
	SHA256     string            `json:"file_sha256"`
	User       string            `json:"user"`
	StartedAt  time.Time         `json:"started_at"`
	FinishedAt time.Time         `json:"finished_at"`
	Read       int64             `json:"rows_read"`
	Inserted   int64             `json:"rows_inserted"`
	Updated    int64             `json:"rows_updated"`
	Unchanged  int64             `json:"rows_unchanged"`
	Rejected   int64             `json:"rows_rejected"`
	Warnings   int64             `json:"warnings"`
	UndoneAt   *time.Time        `json:"undone_at,omitempty"`
	UndoneBy   string            `json:"undone_by,omitempty"`
}

const batchColumns = `id, kind, file_name, file_sha256, username, started_at, finished_at, rows_read,
	rows_inserted, rows_updated, rows_unchanged, coalesce(rows_rejected, 0), warnings, undone_at, coalesce(undone_by, '')`

func scanBatch(sc interface{ Scan(...any) error }) (Batch, error) {
	var b Batch
	var kind string
	var undone sql.NullTime
	err := sc.Scan(&b.ID, &kind, &b.FileName, &b.SHA256, &b.User, &b.StartedAt, &b.FinishedAt, &b.Read,
		&b.Inserted, &b.Updated, &b.Unchanged, &b.Rejected, &b.Warnings, &undone, &b.UndoneBy)
	b.Kind = indus.DatasetKind(kind)
	if undone.Valid {
		t := undone.Time
		b.UndoneAt = &t
	}
	return b, err
}

// Batches lists import batches, newest first.
func (s *Store) Batches(ctx context.Context, limit int) ([]Batch, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+batchColumns+` FROM import_batches ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BatchByID returns one batch; a missing batch is a not-found error.
func (s *Store) BatchByID(ctx context.Context, id int64) (Batch, error) {
	b, err := scanBatch(s.db.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM import_batches WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return Batch{}, indus.Errorf(indus.ENotFound, "there is no import batch %d; 'indus import history' lists them", id).Zh("没有第 %d 批导入；导入历史中列有全部批次", id)
	}
	return b, err
}

// UndoResult says what an undo restored.
type UndoResult struct {
	Batch    Batch
	Deleted  int64 // rows the batch had created
	Restored int64 // rows put back to their values before the batch
}

// Undo restores the state before batch id: rows it created are removed and
// rows it changed get their previous values back. It refuses (conflict)
// when a later batch, not undone, changed the same rows, or when facts still
// refer to enterprises the batch created: undo those first.
func (s *Store) Undo(ctx context.Context, id int64, user string) (UndoResult, error) {
	defer s.dataChanged() // after the commit or rollback
	b, err := s.BatchByID(ctx, id)
	if err != nil {
		return UndoResult{}, err
	}
	if b.UndoneAt != nil {
		return UndoResult{}, indus.Errorf(indus.EConflict, "batch %d (%s) was already undone on %s by %s",
			id, b.FileName, b.UndoneAt.Format("2006-01-02 15:04"), b.UndoneBy).
			Zh("第 %d 批（%s）已于 %s 由 %s 撤销", id, b.FileName, b.UndoneAt.Format("2006-01-02 15:04"), b.UndoneBy)
	}
	t, ok := tables[b.Kind]
	if !ok {
		return UndoResult{}, fmt.Errorf("batch %d has unknown kind %q", id, b.Kind)
	}
	history := t.name + "_history"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return UndoResult{}, err
	}
	defer tx.Rollback()

	// A later batch that replaced rows of this one must be undone first.
	var later []int64
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT DISTINCT replaced_by FROM %s WHERE batch_id = ? AND replaced_by > ? AND op = 'update'
		AND replaced_by NOT IN (SELECT id FROM import_batches WHERE undone_at IS NOT NULL) ORDER BY 1`, history), id, id)
	if err != nil {
		return UndoResult{}, err
	}
	for rows.Next() {
		var v int64
		rows.Scan(&v)
		later = append(later, v)
	}
	rows.Close()
	if len(later) > 0 {
		return UndoResult{}, indus.Errorf(indus.EConflict, "later import batch(es) %v changed rows of batch %d; undo them first (newest first)", later, id).
			Zh("之后的导入批次 %v 修改了第 %d 批的数据；请先（从最新的开始）撤销它们", later, id)
	}
	if t.name == "enterprises" {
		var refs int64
		var refBatches string
		err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(string_agg(DISTINCT CAST(f.batch_id AS VARCHAR), ', '), '') FROM (
			SELECT uscc, batch_id FROM annual_facts UNION ALL SELECT uscc, batch_id FROM monthly_facts) f
			WHERE f.uscc IN (SELECT uscc FROM enterprises e WHERE e.batch_id = ?
			                 AND NOT EXISTS (SELECT 1 FROM enterprises_history h WHERE h.replaced_by = ? AND h.op = 'update' AND h.uscc = e.uscc))`, id, id).Scan(&refs, &refBatches)
		if err != nil {
			return UndoResult{}, err
		}
		if refs > 0 {
			return UndoResult{}, indus.Errorf(indus.EConflict, "%d fact rows (batches %s) refer to enterprises that batch %d created; undo those batches first", refs, refBatches, id).
				Zh("有 %d 行数据（批次 %s）属于第 %d 批新建的企业；请先撤销这些批次", refs, refBatches, id)
		}
	}
	cols := t.columns()
	keyJoin := joinOn("h", t.name, t.keys)
	// Keep the versions being undone, so the batch's revisions stay listable.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (replaced_by, op, %s, batch_id)
		SELECT ?, 'undone', %s, batch_id FROM %s WHERE batch_id = ?`, history, strings.Join(cols, ", "), strings.Join(cols, ", "), t.name), id, id); err != nil {
		return UndoResult{}, fmt.Errorf("keep undone rows: %w", err)
	}
	// The rows the batch created: its rows with no replaced version.
	del, err := tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE batch_id = ? AND NOT EXISTS (SELECT 1 FROM %s h WHERE h.replaced_by = ? AND h.op = 'update' AND %s)`,
		t.name, history, keyJoin), id, id)
	if err != nil {
		return UndoResult{}, fmt.Errorf("remove inserted rows: %w", err)
	}
	deleted, _ := del.RowsAffected()
	var sets []string
	for _, v := range append(append([]string{}, t.values...), "batch_id") {
		sets = append(sets, fmt.Sprintf("%s = h.%s", v, v))
	}
	upd, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s FROM %s h WHERE h.replaced_by = ? AND h.op = 'update' AND %s`,
		t.name, strings.Join(sets, ", "), history, keyJoin), id)
	if err != nil {
		return UndoResult{}, fmt.Errorf("restore replaced rows: %w", err)
	}
	restored, _ := upd.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE import_batches SET undone_at = ?, undone_by = ? WHERE id = ?`, time.Now().UTC(), user, id); err != nil {
		return UndoResult{}, err
	}
	if err := tx.Commit(); err != nil {
		return UndoResult{}, fmt.Errorf("commit undo: %w", err)
	}
	b, err = s.BatchByID(ctx, id)
	return UndoResult{Batch: b, Deleted: deleted, Restored: restored}, err
}

// Revision is one changed value: a column of a row, before and after a batch.
type Revision struct {
	RowKey string  `json:"row_key"`
	Column string  `json:"column"`
	Old    *string `json:"old"` // nil: the value was missing
	New    *string `json:"new"`
}

// Revisions lists the values batch id changed (not the rows it created),
// ordered by row and column, at most limit.
func (s *Store) Revisions(ctx context.Context, id int64, limit int) ([]Revision, error) {
	b, err := s.BatchByID(ctx, id)
	if err != nil {
		return nil, err
	}
	t := tables[b.Kind]
	history := t.name + "_history"
	var casts []string
	for _, v := range t.values {
		casts = append(casts, fmt.Sprintf("CAST(%s AS VARCHAR)", v))
	}
	key := rowKeySQL(t, "")
	// Old versions: replaced by this batch. New versions: written by it, now
	// either current or themselves replaced (or undone) later.
	q := fmt.Sprintf(`WITH old AS (SELECT %[1]s AS k, %[2]s FROM %[3]s WHERE replaced_by = ? AND op = 'update'),
		new AS (SELECT %[1]s AS k, %[2]s FROM %[4]s WHERE batch_id = ?
		        UNION ALL SELECT %[1]s AS k, %[2]s FROM %[3]s WHERE batch_id = ? AND op IN ('update', 'undone'))
		SELECT old.*, new.* FROM old JOIN new ON old.k = new.k ORDER BY old.k`,
		key, strings.Join(casts, ", "), history, t.name)
	rows, err := s.db.QueryContext(ctx, q, id, id, id)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	defer rows.Close()
	n := len(t.values)
	var out []Revision
	for rows.Next() {
		vals := make([]sql.NullString, 2*(n+1))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, col := range t.values {
			o, nw := vals[1+i], vals[n+2+i]
			if o == nw {
				continue
			}
			out = append(out, Revision{RowKey: vals[0].String, Column: col, Old: strPtr(o), New: strPtr(nw)})
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RowKey < out[j].RowKey })
	return out, rows.Err()
}

func strPtr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}
