package analysis

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// AuditImport records an import (or a dry run) in the audit log: one entry
// per file with its batch and counts, or one failed entry when nothing was
// read. The command line and the server both call it, so every way in is
// recorded alike.
func AuditImport(ctx context.Context, st *store.Store, files []FileImport, opts ImportOptions, importErr error) error {
	action := "import"
	if opts.DryRun {
		action = "import_check"
	}
	outcome := access.OutcomeOK
	if importErr != nil {
		outcome = access.OutcomeFailed
	}
	if len(files) == 0 {
		return access.Record(ctx, st, action, "", outcome, indus.Message(importErr))
	}
	for _, f := range files {
		detail := fmt.Sprintf("kind=%s batch=%d read=%d inserted=%d updated=%d unchanged=%d errors=%d warnings=%d",
			f.Kind, f.Batch.BatchID, f.Batch.Read, f.Batch.Inserted, f.Batch.Updated, f.Batch.Unchanged, f.Errors, f.Warnings)
		if importErr != nil {
			detail += "; " + indus.Message(importErr)
		}
		if err := access.Record(ctx, st, action, filepath.Base(f.File), outcome, detail); err != nil {
			return err
		}
	}
	return nil
}

// AuditUndo records an undo of an import batch.
func AuditUndo(ctx context.Context, st *store.Store, batch int64, res store.UndoResult, undoErr error) error {
	target := fmt.Sprintf("batch %d", batch)
	if undoErr != nil {
		return access.Record(ctx, st, "undo", target, access.OutcomeFailed, indus.Message(undoErr))
	}
	return access.Record(ctx, st, "undo", target, access.OutcomeOK, fmt.Sprintf("deleted=%d restored=%d", res.Deleted, res.Restored))
}
