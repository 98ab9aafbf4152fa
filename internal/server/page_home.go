package server

import (
	"net/http"

	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

type homeView struct {
	Counts store.Counts
	System *systemView
	Units  []unitView
}

type unitView struct {
	Code, Name, Region, RegionName string
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	counts, err := s.store.Counts(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := homeView{Counts: counts, System: s.systemView(lang)}
	for _, u := range refdata.Units() {
		reg, _ := refdata.RegionByID(u.Region)
		uv := unitView{Code: u.Code, Name: u.NameZh, Region: u.Region, RegionName: reg.NameZh}
		if lang == "en" {
			uv.Name, uv.RegionName = u.NameEn, reg.NameEn
		}
		v.Units = append(v.Units, uv)
	}
	s.render(w, r, "page_home.html", "home", "home.title", v)
}
