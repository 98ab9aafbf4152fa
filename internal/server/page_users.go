package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The accounts page: an administrator lists the accounts, adds one, and
// disables, enables or resets the password of another, while the server
// runs. (DuckDB lets one process write, so `indus user` cannot change the
// database of a running server.) A new or reset password is generated,
// shown once on the answer to the POST and never stored in clear; every
// change is written to the audit log by the access service.

// usersView is the page.
type usersView struct {
	Table    *tableView
	Tokens   *tableView
	Active   []optionView // tokens that can be revoked
	Roles    []optionView
	Units    []optionView
	Names    []optionView
	Form     userForm // the add form as last sent (kept after an error)
	Error    string
	Done     string // what was done, for the status line
	NewName  string // the account whose password is shown
	NewPass  string // shown once
	NewToken string // an API token, shown once
}

type userForm struct {
	Name, Role, Park, USCC string
	Units                  map[string]bool
}

var userCols = []tableCol{
	{Key: "name", Label: "usr.name", Kind: colCode},
	{Key: "role", Label: "usr.role", Kind: colText},
	{Key: "territory", Label: "usr.territory", Kind: colText, NoSort: true},
	{Key: "status", Label: "usr.status", Kind: colText},
	{Key: "created", Label: "usr.created", Kind: colText},
}

func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, usersView{Done: s.usersDone(w, r)})
}

// usersDone words the status a redirect after a change carries.
func (s *Server) usersDone(w http.ResponseWriter, r *http.Request) string {
	lang := s.language(w, r)
	q := r.URL.Query()
	name := q.Get("user")
	switch q.Get("done") {
	case "disable":
		return s.tf(lang, "usr.done_disable", "name", name)
	case "enable":
		return s.tf(lang, "usr.done_enable", "name", name)
	case "revoke":
		return s.tf(lang, "usr.done_revoke", "id", q.Get("token"))
	}
	return ""
}

// renderUsers renders the page with its table, or answers the table's
// export or fragment request.
func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, v usersView) {
	lang := s.language(w, r)
	users, err := s.access.Users(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	spec := &tableSpec{ID: "users", File: "indus-users", Sort: "name", PerPage: 50, Search: "usr.search", Cols: userCols,
		Filters: []tableFilter{{Key: "role", Label: "usr.role", Options: s.roleOptions(lang),
			Match: func(row tableRow, v string) bool { return row.Vals[5] == v }}}}
	var rows []tableRow
	for _, u := range users {
		status := s.catalogue.T(lang, "usr.active")
		switch {
		case u.Disabled:
			status = s.catalogue.T(lang, "usr.disabled")
		case u.LockedUntil != nil && u.LockedUntil.After(time.Now()):
			status = s.tf(lang, "usr.locked", "until", u.LockedUntil.Local().Format("2006-01-02 15:04"))
		}
		rows = append(rows, tableRow{Vals: []any{u.Name, s.catalogue.T(lang, "role."+string(u.Role)), territoryText(lang, u), status,
			u.CreatedAt.Local().Format("2006-01-02 15:04"), string(u.Role)}})
		v.Names = append(v.Names, optionView{Value: u.Name, Label: u.Name})
	}
	tv, done, err := s.serveTable(w, r, spec, s.catalogue.T(lang, "usr.caption"), memTable(spec, rows))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if done {
		return
	}
	v.Table = tv
	if v.Tokens, v.Active, done, err = s.tokensTable(w, r, lang); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	for _, o := range s.roleOptions(lang) {
		v.Roles = append(v.Roles, optionView{Value: o.Value, Label: o.Label, Selected: o.Value == v.Form.Role})
	}
	for _, u := range refdata.Units() {
		v.Units = append(v.Units, optionView{Value: u.Code, Label: pickLang(lang, u.NameZh, u.NameEn), Selected: v.Form.Units[u.Code]})
	}
	s.renderStatus(w, r, status, "page_users.html", "users", s.catalogue.T(lang, "usr.title"), v)
}

// roleOptions are the roles, in indus.Roles order (most powerful first).
func (s *Server) roleOptions(lang string) []tableOption {
	var out []tableOption
	for _, role := range indus.Roles {
		out = append(out, tableOption{Value: string(role), Label: s.catalogue.T(lang, "role."+string(role))})
	}
	return out
}

// territoryText says what an account may see.
func territoryText(lang string, u store.User) string {
	switch {
	case u.USCC != "":
		return u.USCC
	case len(u.Units) > 0:
		var names []string
		for _, c := range u.Units {
			names = append(names, unitName(lang, c))
		}
		t := strings.Join(names, pickLang(lang, "、", ", "))
		if u.Park != "" {
			t += " · " + u.Park
		}
		return t
	case u.Role == indus.RoleViewer:
		return pickLang(lang, "全市汇总数据", "city aggregates")
	}
	return pickLang(lang, "全市", "all")
}

// pageUsersAdd creates an account with a generated password.
func (s *Server) pageUsersAdd(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, indus.Errorf(indus.EInvalid, "the form could not be read: %v", err))
		return
	}
	form := userForm{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"),
		Park: strings.TrimSpace(r.PostFormValue("park")), USCC: strings.TrimSpace(r.PostFormValue("uscc")), Units: map[string]bool{}}
	var units []string
	for _, u := range r.PostForm["unit"] {
		if u != "" {
			units = append(units, u)
			form.Units[u] = true
		}
	}
	password := access.GeneratePassword()
	u, err := s.access.AddUser(r.Context(), access.NewUser{Name: form.Name, Role: indus.Role(form.Role), Units: units, Park: form.Park,
		USCC: form.USCC, Password: password})
	if err != nil {
		s.usersFailed(w, r, form, err)
		return
	}
	s.renderUsers(w, r, http.StatusOK, usersView{Done: s.tf(lang, "usr.done_add", "name", u.Name), NewName: u.Name, NewPass: password})
}

// pageUsersChange disables, enables or resets the password of an account.
func (s *Server) pageUsersChange(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	name := strings.TrimSpace(r.FormValue("user"))
	action := r.FormValue("action")
	var err error
	switch action {
	case "disable", "enable":
		err = s.access.SetDisabled(r.Context(), name, action == "disable")
	case "reset":
		password := access.GeneratePassword()
		if err = s.access.SetPassword(r.Context(), name, password); err == nil {
			s.renderUsers(w, r, http.StatusOK, usersView{Done: s.tf(lang, "usr.done_reset", "name", name), NewName: name, NewPass: password})
			return
		}
	default:
		err = indus.Errorf(indus.EInvalid, "unknown action %q: use disable, enable or reset", action).Zh("未知操作 %q：请用停用、启用或重置密码", action)
	}
	if err != nil {
		s.usersFailed(w, r, userForm{}, err)
		return
	}
	// A change without a secret to show: back to the page by GET, so a
	// reload does not send the form again.
	http.Redirect(w, r, "/admin/users?"+url.Values{"done": {action}, "user": {name}}.Encode(), http.StatusSeeOther)
}

// usersFailed shows the page again with the error and the form as sent.
func (s *Server) usersFailed(w http.ResponseWriter, r *http.Request, form userForm, err error) {
	if indus.Code(err) == indus.EInternal {
		s.pageError(w, r, err)
		return
	}
	s.renderUsers(w, r, statusOf(indus.Code(err)), usersView{Form: form, Error: indus.MessageIn(err, s.language(w, r))})
}

var tokenCols = []tableCol{
	{Key: "id", Label: "usr.token_id", Kind: colInt},
	{Key: "user", Label: "usr.name", Kind: colCode},
	{Key: "label", Label: "usr.token_label", Kind: colText},
	{Key: "read_only", Label: "usr.read_only", Kind: colBool},
	{Key: "created", Label: "usr.created", Kind: colText},
	{Key: "expires", Label: "usr.expires", Kind: colText},
	{Key: "status", Label: "usr.status", Kind: colText},
}

// tokensTable lists every API token (never its secret) and the ones that
// can still be revoked.
func (s *Server) tokensTable(w http.ResponseWriter, r *http.Request, lang string) (*tableView, []optionView, bool, error) {
	tokens, err := s.access.Tokens(r.Context(), "")
	if err != nil {
		return nil, nil, false, err
	}
	spec := &tableSpec{ID: "tokens", Prefix: "t-", File: "indus-api-tokens", Sort: "id", Desc: true, PerPage: 25, Search: "usr.search", Cols: tokenCols}
	var rows []tableRow
	var active []optionView
	now := time.Now()
	for _, t := range tokens {
		status, expires := s.catalogue.T(lang, "usr.active"), dash
		if t.ExpiresAt != nil {
			expires = t.ExpiresAt.Local().Format("2006-01-02 15:04")
		}
		switch {
		case t.RevokedAt != nil:
			status = s.catalogue.T(lang, "usr.revoked")
		case t.ExpiresAt != nil && !t.ExpiresAt.After(now):
			status = s.catalogue.T(lang, "usr.expired")
		default:
			active = append(active, optionView{Value: strconv.FormatInt(t.ID, 10), Label: "#" + strconv.FormatInt(t.ID, 10) + " · " + t.UserName + " · " + t.Label})
		}
		rows = append(rows, tableRow{Vals: []any{t.ID, t.UserName, t.Label, t.ReadOnly, t.CreatedAt.Local().Format("2006-01-02 15:04"), expires, status}})
	}
	tv, done, err := s.serveTable(w, r, spec, s.catalogue.T(lang, "usr.tokens_caption"), memTable(spec, rows))
	return tv, active, done, err
}

// pageTokensAdd creates an API token for an account and shows it once.
func (s *Server) pageTokensAdd(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	name := strings.TrimSpace(r.FormValue("user"))
	label := strings.TrimSpace(r.FormValue("label"))
	days, err := strconv.Atoi(strings.TrimSpace(r.FormValue("days")))
	if err != nil || days < 0 || days > 3650 {
		s.usersFailed(w, r, userForm{}, indus.Errorf(indus.EInvalid, "%s", s.catalogue.T(lang, "usr.days_bad")))
		return
	}
	token, t, err := s.access.NewToken(r.Context(), name, label, r.FormValue("read_only") != "", time.Duration(days)*24*time.Hour)
	if err != nil {
		s.usersFailed(w, r, userForm{}, err)
		return
	}
	s.renderUsers(w, r, http.StatusOK, usersView{Done: s.tf(lang, "usr.done_token", "id", strconv.FormatInt(t.ID, 10), "name", name), NewName: name, NewToken: token})
}

// pageTokensRevoke revokes an API token at once.
func (s *Server) pageTokensRevoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	id, err := strconv.ParseInt(strings.TrimSpace(r.FormValue("token")), 10, 64)
	if err != nil || id <= 0 {
		s.usersFailed(w, r, userForm{}, indus.Errorf(indus.EInvalid, "choose the token to revoke").Zh("请选择要吊销的令牌"))
		return
	}
	if err := s.access.Revoke(r.Context(), id); err != nil {
		s.usersFailed(w, r, userForm{}, err)
		return
	}
	http.Redirect(w, r, "/admin/users?"+url.Values{"done": {"revoke"}, "token": {strconv.FormatInt(id, 10)}}.Encode(), http.StatusSeeOther)
}
