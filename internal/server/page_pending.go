package server

import "net/http"

// Pages whose service has not landed yet show what they will show and
// why they cannot yet, rather than an empty frame or made-up figures.

type pendingView struct {
	Heading, What, Why string
	Links              []navItem
}

func (s *Server) pagePending(w http.ResponseWriter, r *http.Request, nav, key string) {
	lang := s.language(w, r)
	v := pendingView{Heading: s.catalogue.T(lang, key+".title"), What: s.catalogue.T(lang, key+".what"), Why: s.catalogue.T(lang, key+".why")}
	s.render(w, r, "page_pending.html", nav, key+".title", v)
}
