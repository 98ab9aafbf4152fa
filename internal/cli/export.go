package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
)

func newExportCommand() *Command {
	return &Command{Name: "export", Summary: "export enterprises, annual or monthly facts as CSV or XLSX",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := newFlagSet(env, "export", "--table enterprises|annual|monthly --out FILE [--format csv|xlsx] [--lang zh|en] [--unit CODE,...] [--cluster ID] [--year YYYY]")
			db := dbFlag(fs, env)
			table := fs.String("table", "", "enterprises, annual or monthly")
			out := fs.String("out", "", "output file (.csv or .xlsx)")
			format := fs.String("format", "", "csv or xlsx (default: from the file name)")
			lang := fs.String("lang", "zh", "header language: zh (Chinese, with units) or en (canonical names)")
			units := fs.String("unit", "", "only these evaluation units (comma-separated codes)")
			cluster := fs.String("cluster", "", "only enterprises of this cluster ('indus clusters list' shows ids)")
			year := fs.Int("year", 0, "only this year (annual and monthly tables)")
			if _, err := parseFlags(fs, args); err != nil {
				return err
			}
			if *table == "" || *out == "" {
				fs.Usage()
				return errUsage
			}
			f := export.Format(*format)
			if f == "" {
				var ok bool
				if f, ok = export.FormatOf(*out); !ok {
					return indus.Errorf(indus.EInvalid, "cannot tell the format of %s: name it .csv or .xlsx, or give --format", *out)
				}
			}
			if f != export.CSV && f != export.XLSX {
				return indus.Errorf(indus.EInvalid, "unknown format %q: use csv or xlsx", *format)
			}
			if *lang != "zh" && *lang != "en" {
				return indus.Errorf(indus.EInvalid, "unknown language %q: use zh or en", *lang)
			}
			opts := analysis.ExportOptions{Kind: indus.DatasetKind(*table), Format: f, Lang: *lang, ClusterID: *cluster, Year: *year}
			if *units != "" {
				opts.UnitCodes = strings.Split(*units, ",")
			}
			st, err := openStore(ctx, env, *db)
			if err != nil {
				return err
			}
			defer st.Close()
			start := time.Now()
			n, err := analysis.Export(ctx, st, *out, opts)
			if err != nil {
				return err
			}
			if err := access.Record(ctx, st, "export", *table, access.OutcomeOK, fmt.Sprintf("%s rows=%d file=%s units=%s cluster=%s year=%d", f, n, filepath.Base(*out), *units, *cluster, *year)); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "exported %s rows of %s to %s in %.1f s\n", formatCount(n), *table, *out, time.Since(start).Seconds())
			return nil
		}}
}
