package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"
)

const enterpriseHeader = "uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\n"

func readAll(t *testing.T, text string) ([]*Record, []Finding, error) {
	t.Helper()
	r, err := NewCanonicalReader("e.csv", strings.NewReader(text))
	if err != nil {
		return nil, nil, err
	}
	var recs []*Record
	var all []Finding
	for {
		rec, fs, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs, all, nil
		}
		if err != nil {
			return recs, all, err
		}
		all = append(all, fs...)
		if rec != nil {
			recs = append(recs, rec)
		}
	}
}

func TestCanonicalEnterprises(t *testing.T) {
	text := "\xef\xbb\xbf" + enterpriseHeader +
		"91350100M000100Y43,重庆甲汽车有限公司,500112,两江工业园,3612,汽车制造,true,2010-05-01,120.5,certificate\n" +
		"91110000600037341L,重庆乙电子有限公司,LJ,,3974,,false,,,\n"
	recs, fs, err := readAll(t, text)
	if err != nil || len(fs) != 0 || len(recs) != 2 {
		t.Fatalf("recs %d, findings %v, err %v", len(recs), fs, err)
	}
	e := recs[0].Enterprise
	if e.USCC != "91350100M000100Y43" || e.UnitCode != "500112" || !e.AboveSize || *e.LandMu != 120.5 || e.Founded.Year() != 2010 || recs[0].Row != 2 {
		t.Errorf("first record %+v", e)
	}
	if recs[1].Enterprise.LandMu != nil || recs[1].Row != 3 {
		t.Errorf("missing land must stay nil, row 3: %+v", recs[1])
	}
}

func TestCanonicalFindingsNameRowColumnValue(t *testing.T) {
	rows := []struct {
		line, column, value string
		sev                 Severity
	}{
		{"91350100M000100Y44,甲,500112,,3612,,true,,,", "uscc", "91350100M000100Y44", SevWarning},
		{"91350100M000100YI3,甲,500112,,3612,,true,,,", "uscc", "91350100M000100YI3", SevError},
		{"91350100M000100Y43,甲,999999,,3612,,true,,,", "unit_code", "999999", SevError},
		{"91350100M000100Y43,甲,500112,,361,,true,,,", "industry_code", "361", SevError},
		{"91350100M000100Y43,甲,500112,,3612,,maybe,,,", "above_size", "maybe", SevError},
		{"91350100M000100Y43,甲,500112,,3612,,true,2010/13/45,,", "founded", "2010/13/45", SevError},
		{"91350100M000100Y43,甲,500112,,3612,,true,,-3,", "land_mu", "-3", SevError},
		{"91350100M000100Y43,甲,500112,,3612,,true,,abc,", "land_mu", "abc", SevError},
		{"91350100M000100Y43,甲,500112,,3612,,true,,,bought", "land_source", "bought", SevError},
		{"91350100M000100Y43,,500112,,3612,,true,,,", "name", "", SevError},
	}
	for _, tt := range rows {
		recs, fs, err := readAll(t, enterpriseHeader+tt.line+"\n")
		if err != nil {
			t.Fatalf("%s: %v", tt.line, err)
		}
		if len(fs) != 1 {
			t.Errorf("%s: findings %v, want one", tt.line, fs)
			continue
		}
		f := fs[0]
		if f.Row != 2 || f.Column != tt.column || f.Value != tt.value || f.Severity != tt.sev || f.Message == "" || f.MessageZh == "" {
			t.Errorf("%s: finding %+v", tt.line, f)
		}
		if (tt.sev == SevError) != (len(recs) == 0) {
			t.Errorf("%s: an error must reject the row and a warning keep it (records %d)", tt.line, len(recs))
		}
	}
}

func TestCanonicalKindsAndBadHeaders(t *testing.T) {
	annual := "uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees,safety_accident,env_violation,under_construction,utility\n" +
		"91350100M000100Y43,2023,10,100,120,30,5,12,50000,,1.5,40,false,true,false,false\n"
	recs, fs, err := readAll(t, annual)
	if err != nil || len(fs) != 0 || len(recs) != 1 || recs[0].Annual.EmissionsT != nil || !recs[0].Annual.EnvViolation || *recs[0].Annual.Tax != 5 {
		t.Fatalf("annual: %v %v %v", recs, fs, err)
	}
	monthly := "uscc,month,output_value,revenue,electricity_kwh,employees\n91350100M000100Y43,2024-13,1,2,3,4\n"
	_, fs, _ = readAll(t, monthly)
	if len(fs) != 1 || fs[0].Column != "month" {
		t.Fatalf("bad month: %v", fs)
	}
	for _, bad := range []string{"", "a,b,c\n1,2,3\n", "名称,代码\n"} {
		if _, _, err := readAll(t, bad); err == nil || !strings.Contains(err.Error(), "e.csv") {
			t.Errorf("header %q: err %v", bad, err)
		}
	}
	_, _, err = readAll(t, enterpriseHeader+"\"unterminated,quote\n")
	if err == nil || !strings.Contains(err.Error(), "e.csv:2") {
		t.Errorf("malformed CSV: %v", err)
	}
	_, fs, _ = readAll(t, enterpriseHeader+"only,three,fields\n")
	if len(fs) != 1 || fs[0].Severity != SevError || fs[0].Row != 2 {
		t.Errorf("short row: %v", fs)
	}
}
