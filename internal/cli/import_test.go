package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// INDUS_IMPORT_MEMORY: unset bounds each file's load to what it needs,
// "off" leaves DuckDB's default, a size is a fixed bound, anything else
// is refused before anything is read.
func TestImportMemorySetting(t *testing.T) {
	dir := t.TempDir()
	ents := filepath.Join(dir, "enterprises.csv")
	os.WriteFile(ents, []byte("uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\n"+
		"91350100M000100Y43,甲,500112,,3612,,true,2010-05-01,12,certificate\n"), 0o644)
	for i, c := range []struct {
		setting string
		code    int
		out     string
	}{
		{"", 0, "1 inserted"},
		{"off", 0, "nothing changed"},
		{"256MB", 0, "nothing changed"},
		{"lots", 1, "memory limit"},
	} {
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			switch k {
			case "INDUS_USER":
				return "tester"
			case "INDUS_IMPORT_MEMORY":
				return c.setting
			}
			return ""
		}
		code := Run(context.Background(), []string{"import", "--db", filepath.Join(dir, "t.duckdb"), "--quiet", ents}, getenv, strings.NewReader(""), &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.out) {
			t.Errorf("%d: INDUS_IMPORT_MEMORY=%q: exit %d\n%s%s", i, c.setting, code, out.String(), errb.String())
		}
	}
}
