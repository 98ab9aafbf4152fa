package refdata

import "testing"

func TestGBT4754Counts(t *testing.T) {
	got := GBT4754().CountByLevel()
	want := map[Level]int{LevelSection: 20, LevelDivision: 97, LevelGroup: 473, LevelClass: 1381}
	for lvl, n := range want {
		if got[lvl] != n {
			t.Errorf("%s: %d codes, want %d", lvl, got[lvl], n)
		}
	}
}

func TestGBT4754Chain(t *testing.T) {
	ind := GBT4754()
	chain := ind.Chain("3612")
	var codes []string
	for _, c := range chain {
		codes = append(codes, c.Code)
	}
	if len(codes) != 4 || codes[0] != "C" || codes[1] != "36" || codes[2] != "361" || codes[3] != "3612" {
		t.Fatalf("Chain(3612) = %v", codes)
	}
	if ind.Chain("9999") != nil {
		t.Error("unknown code must give a nil chain")
	}
	if !ind.IsManufacturing("3974") || ind.IsManufacturing("6511") || ind.IsManufacturing("0111") {
		t.Error("IsManufacturing wrong for 3974/6511/0111")
	}
	if d := ind.Division("3974"); d != "39" {
		t.Errorf("Division(3974) = %q", d)
	}
	// Section C spans divisions 13–43.
	divs := ind.Children("C")
	if len(divs) != 31 || divs[0] != "13" || divs[len(divs)-1] != "43" {
		t.Errorf("section C divisions = %v", divs)
	}
	if n := len(ind.Classes("39")); n < 20 {
		t.Errorf("division 39 has only %d classes", n)
	}
}

func TestUnits(t *testing.T) {
	us := Units()
	if len(us) != 41 {
		t.Fatalf("%d units, want 41", len(us))
	}
	perRegion := map[string]int{}
	for _, u := range us {
		perRegion[u.Region]++
	}
	// 9 central + 12 new urban districts + LJ, GX, WS; 11 north-east; 6 south-east.
	if perRegion["metro"] != 24 || perRegion["northeast"] != 11 || perRegion["southeast"] != 6 {
		t.Errorf("units per region = %v", perRegion)
	}
	if u, ok := UnitByCode("LJ"); !ok || u.NameEn != "Liangjiang New Area" {
		t.Errorf("UnitByCode(LJ) = %+v, %v", u, ok)
	}
	if u, ok := UnitByName("万州区"); !ok || u.Code != "500101" {
		t.Errorf("UnitByName(万州区) = %+v, %v", u, ok)
	}
}

func TestFactors(t *testing.T) {
	f, ok := FactorByID(StandardCoal, "electricity")
	if !ok || f.Value != 0.1229 || f.Source == "" {
		t.Errorf("electricity factor = %+v", f)
	}
	if len(StandardCoal) != 8 || len(CO2) != 8 {
		t.Errorf("factor lists: %d coal, %d CO2", len(StandardCoal), len(CO2))
	}
}
