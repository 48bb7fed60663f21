package api

import (
	"net/http"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

func (h *handler) pyramid(w http.ResponseWriter, r *http.Request) error {
	q, err := pyramidQuery(r)
	if err != nil {
		return err
	}
	rep, err := h.app.Pyramid(r.Context(), q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewPyramidJSON(rep))
}

func (h *handler) migration(w http.ResponseWriter, r *http.Request) error {
	q, err := pyramidQuery(r)
	if err != nil {
		return err
	}
	mg, err := h.app.Migration(r.Context(), q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewMigrationJSON(mg))
}

// migrationAccounts lists the accounts behind one cell: ?from=B&to=A (names
// of tiers or bands, "none" for no revenue).
func (h *handler) migrationAccounts(w http.ResponseWriter, r *http.Request) error {
	q, err := pyramidQuery(r)
	if err != nil {
		return err
	}
	// Here from and to name layers, not the dates of a range.
	q.Period.From, q.Period.To = "", ""
	if q.Scheme == "" {
		q.Scheme = crm.SchemeThresholds
	}
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	from, ok1 := app.LayerIndex(&m, q.Scheme, r.URL.Query().Get("from"))
	to, ok2 := app.LayerIndex(&m, q.Scheme, r.URL.Query().Get("to"))
	if !ok1 || !ok2 {
		return badRequest{"from and to must name tiers (or bands with scheme=pareto), or none"}
	}
	ids, err := h.app.MovedAccounts(r.Context(), q, from, to)
	if err != nil {
		return err
	}
	page, err := intParam(r, "page", 1)
	if err != nil {
		return err
	}
	per, err := intParam(r, "per_page", 50)
	if err != nil {
		return err
	}
	list, err := h.app.Accounts(r.Context(), store.AccountFilter{IDs: pageIDs(ids, page, per), PerPage: per})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, accountList(list.Accounts, len(ids), page, per))
}

// pageIDs returns one page of ids (the list is ordered by the store).
func pageIDs(ids []int64, page, per int) []int64 {
	per = min(max(per, 1), app.MaxPerPage)
	// Compare pages, not offsets: (page-1)*per overflows for a huge page.
	if page = max(page, 1); page-1 >= (len(ids)+per-1)/per {
		return []int64{}
	}
	start := (page - 1) * per
	return ids[start:min(start+per, len(ids))]
}
