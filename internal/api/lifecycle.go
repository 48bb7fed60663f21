package api

import (
	"net/http"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
)

// The account lifecycle and the sales → customer-service handover in the
// API (docs/lifecycle.md). Dates are YYYY-MM-DD.

// LifecycleJSON is where an account stands in its lifecycle.
type LifecycleJSON struct {
	AccountID       int64  `json:"account_id"`
	Code            string `json:"code"`
	Name            string `json:"name"`
	Stage           string `json:"stage"`
	OwnerDepartment string `json:"owner_department"`
	OwnerID         int64  `json:"owner_id,omitempty"`
	SalesRepID      int64  `json:"sales_rep_id,omitempty"`
	Version         int    `json:"version"`
	// OpenHandoverID is the handover opened at the contract, until the
	// lead accepts it.
	OpenHandoverID int64 `json:"open_handover_id,omitempty"`
}

// StageChangeJSON is an entry of an account's history.
type StageChangeJSON struct {
	ID              int64  `json:"id"`
	At              string `json:"at"`
	FromStage       string `json:"from_stage"`
	ToStage         string `json:"to_stage"`
	FromOwnerID     int64  `json:"from_owner_id,omitempty"`
	ToOwnerID       int64  `json:"to_owner_id,omitempty"`
	OwnerDepartment string `json:"owner_department"`
	Reason          string `json:"reason"`
	Actor           string `json:"actor"`
}

// HandoverJSON is a handover.
type HandoverJSON struct {
	ID           int64                        `json:"id"`
	AccountID    int64                        `json:"account_id"`
	AccountCode  string                       `json:"account_code"`
	AccountName  string                       `json:"account_name"`
	FromPersonID int64                        `json:"from_person_id,omitempty"`
	FromName     string                       `json:"from_name,omitempty"`
	ToPersonID   int64                        `json:"to_person_id,omitempty"`
	ToName       string                       `json:"to_name,omitempty"`
	ContractDate string                       `json:"contract_date"`
	KickoffDate  string                       `json:"kickoff_date,omitempty"`
	DueDate      string                       `json:"due_date"`
	Checklist    map[string]crm.ChecklistItem `json:"checklist"`
	Missing      []string                     `json:"missing"`
	Status       string                       `json:"status"`
	Overdue      bool                         `json:"overdue"`
	CanAccept    bool                         `json:"can_accept"`
	Version      int                          `json:"version"`
	CreatedAt    string                       `json:"created_at"`
	AcceptedAt   string                       `json:"accepted_at,omitempty"`
}

const timeJSON = "2006-01-02T15:04:05Z"

func dateJSON(d crm.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func handoverJSON(h app.HandoverView) HandoverJSON {
	out := HandoverJSON{ID: h.ID, AccountID: h.AccountID, AccountCode: h.AccountCode, AccountName: h.AccountName,
		FromPersonID: h.FromPersonID, FromName: h.FromName, ToPersonID: h.ToPersonID, ToName: h.ToName,
		ContractDate: dateJSON(h.ContractDate), KickoffDate: dateJSON(h.KickoffDate), DueDate: dateJSON(h.DueDate),
		Checklist: map[string]crm.ChecklistItem{}, Missing: append([]string{}, h.Missing...), Status: h.Status,
		Overdue: h.Overdue, CanAccept: h.CanAccept, Version: h.Version, CreatedAt: h.CreatedAt.UTC().Format(timeJSON)}
	for _, it := range crm.HandoverItems {
		out.Checklist[it] = h.Checklist[it]
	}
	if !h.AcceptedAt.IsZero() {
		out.AcceptedAt = h.AcceptedAt.UTC().Format(timeJSON)
	}
	return out
}

// lifecycle answers with where account id stands now.
func (h *handler) lifecycle(w http.ResponseWriter, r *http.Request, id int64, status int) error {
	l, err := h.app.AccountLifecycle(r.Context(), id)
	if err != nil {
		return err
	}
	a := l.Account
	out := LifecycleJSON{AccountID: a.ID, Code: a.Code, Name: a.Name, Stage: a.Stage, OwnerDepartment: a.OwnerDepartment,
		OwnerID: a.OwnerID, SalesRepID: a.SalesRepID, Version: a.Version}
	for _, hv := range l.Handovers {
		if hv.Status == crm.HandoverOpen {
			out.OpenHandoverID = hv.ID
		}
	}
	return writeJSON(w, status, out)
}

func (h *handler) accountHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	list, err := h.app.AccountHistory(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]StageChangeJSON, 0, len(list))
	for _, c := range list {
		out = append(out, StageChangeJSON{ID: c.ID, At: c.At.UTC().Format(timeJSON), FromStage: c.FromStage, ToStage: c.ToStage,
			FromOwnerID: c.FromOwnerID, ToOwnerID: c.ToOwnerID, OwnerDepartment: c.OwnerDepartment, Reason: c.Reason, Actor: c.Actor})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// StageInput is the body of POST /accounts/{id}/stage.
type StageInput struct {
	To           string `json:"to"`
	Reason       string `json:"reason"`
	ContractDate string `json:"contract_date"` // for ONBOARDING
	OwnerID      int64  `json:"owner_id"`      // 0: keep the owner
	ToPersonID   int64  `json:"to_person_id"`  // for ONBOARDING: the project lead; 0: named later
	Version      int    `json:"version"`
}

// bodyDate reads an optional date of a body into *d.
func bodyDate(v *crm.ValidationError, field, s string, d *crm.Date) {
	if s = strings.TrimSpace(s); s == "" {
		*d = 0
		return
	}
	x, err := crm.ParseISODate(s)
	if err != nil || !x.Valid() {
		v.Add(field, "error.lifecycle.date")
		return
	}
	*d = x
}

func (h *handler) moveStage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in StageInput
	if err := decode(r, &in); err != nil {
		return err
	}
	m := crm.StageMove{To: in.To, Reason: in.Reason, LeadID: in.ToPersonID, Version: in.Version}
	var v crm.ValidationError
	bodyDate(&v, "contract_date", in.ContractDate, &m.ContractDate)
	if err := v.OrNil(); err != nil {
		return err
	}
	if _, err := h.app.MoveStage(r.Context(), id, m, in.OwnerID); err != nil {
		return err
	}
	return h.lifecycle(w, r, id, http.StatusOK)
}

// OwnerInput is the body of POST /accounts/{id}/owner.
type OwnerInput struct {
	OwnerID    int64  `json:"owner_id"`     // 0: nobody
	SalesRepID int64  `json:"sales_rep_id"` // 0: nobody
	Reason     string `json:"reason"`
	Version    int    `json:"version"`
}

func (h *handler) assignOwner(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in OwnerInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if _, err := h.app.AssignOwner(r.Context(), id, in.OwnerID, in.SalesRepID, in.Reason, in.Version); err != nil {
		return err
	}
	return h.lifecycle(w, r, id, http.StatusOK)
}

func (h *handler) listHandovers(w http.ResponseWriter, r *http.Request) error {
	list, err := h.app.Handovers(r.Context(), r.URL.Query().Get("view"))
	if err != nil {
		return err
	}
	out := make([]HandoverJSON, 0, len(list))
	for _, hv := range list {
		out = append(out, handoverJSON(hv))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (h *handler) showHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	hv, err := h.app.Handover(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, handoverJSON(hv))
}

// HandoverInput is the body of PATCH /handovers/{id}: absent fields keep
// their value; checklist sets the items it names.
type HandoverInput struct {
	ToPersonID  *int64                       `json:"to_person_id"` // 0: none yet
	KickoffDate *string                      `json:"kickoff_date"` // "": not set
	Checklist   map[string]crm.ChecklistItem `json:"checklist"`
	Version     int                          `json:"version"`
}

func (h *handler) updateHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in HandoverInput
	if err := decode(r, &in); err != nil {
		return err
	}
	e := app.HandoverEdit{LeadID: in.ToPersonID, Checklist: in.Checklist, Version: in.Version}
	var v crm.ValidationError
	if in.KickoffDate != nil {
		var d crm.Date
		bodyDate(&v, "kickoff_date", *in.KickoffDate, &d)
		e.KickoffDate = &d
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	hv, err := h.app.UpdateHandover(r.Context(), id, e)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, handoverJSON(hv))
}

// AcceptInput is the body of POST /handovers/{id}/accept.
type AcceptInput struct {
	Version int `json:"version"`
}

func (h *handler) acceptHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in AcceptInput
	if err := decode(r, &in); err != nil {
		return err
	}
	hv, err := h.app.AcceptHandover(r.Context(), id, in.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, handoverJSON(hv))
}
