package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"kam/internal/app"
	"kam/internal/i18n"
	"kam/internal/transfer"
)

// MaxUpload bounds an uploaded file.
const MaxUpload = 4 << 30

// importFile takes a multipart upload (field "file") and imports it:
// POST /api/v1/imports/revenue?dry_run=1&sheet=…&column=amount=销售额&mapping=NAME.
func (h *handler) importFile(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	if kind != app.KindAccounts && kind != app.KindRevenue && kind != "people" {
		return badRequest{"kind must be accounts, revenue or people"}
	}
	q := r.URL.Query()
	cols := map[transfer.Field]string{}
	for _, c := range q["column"] {
		f, hdr, err := transfer.ParseColumnFlag(c)
		if err != nil {
			return badRequest{"column: " + err.Error()}
		}
		cols[f] = hdr
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest{"want a multipart/form-data body with the file in the field \"file\""}
	}
	var path, name string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return badRequest{"upload: " + err.Error()}
		}
		if part.FormName() != "file" {
			continue
		}
		name = filepath.Base(part.FileName())
		f, err := os.CreateTemp("", "kam-upload-*")
		if err != nil {
			return err
		}
		path = f.Name()
		defer os.Remove(path)
		_, err = io.Copy(f, part)
		f.Close()
		if err != nil {
			return badRequest{"upload: " + err.Error()}
		}
		break
	}
	if path == "" {
		return badRequest{"no file in the field \"file\""}
	}
	if kind == "people" {
		return h.importPeople(w, r, path)
	}
	res, err := h.app.Import(r.Context(), actor(r), app.ImportRequest{Kind: kind, Path: path, FileName: name, Sheet: q.Get("sheet"),
		Columns: cols, MappingName: q.Get("mapping"), SaveMappingAs: q.Get("save_mapping"), DryRun: q.Get("dry_run") == "1" || q.Get("dry_run") == "true"})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.DryRun {
		status = http.StatusOK
	}
	return writeJSON(w, status, app.NewImportJSON(res))
}

// PeopleImportJSON is the answer to POST /imports/people.
type PeopleImportJSON struct {
	Rows        int                 `json:"rows"`
	Created     int                 `json:"created"`
	Updated     int                 `json:"updated"`
	Departments int                 `json:"departments_created"`
	Teams       int                 `json:"teams_created"`
	DryRun      bool                `json:"dry_run"`
	Problems    []PeopleProblemJSON `json:"problems,omitempty"`
}

// PeopleProblemJSON is one problem of a people file.
type PeopleProblemJSON struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

func (h *handler) importPeople(w http.ResponseWriter, r *http.Request, path string) error {
	dry := r.URL.Query().Get("dry_run") == "1" || r.URL.Query().Get("dry_run") == "true"
	res, err := h.app.ImportPeople(r.Context(), path, r.URL.Query().Get("sheet"), dry)
	p := i18n.Get(i18n.Match(r.Header.Get("Accept-Language")))
	out := PeopleImportJSON{Rows: res.Rows, Created: res.Created, Updated: res.Updated, Departments: res.Departments,
		Teams: res.Teams, DryRun: res.DryRun}
	for _, pr := range res.Problems {
		out.Problems = append(out.Problems, PeopleProblemJSON{Row: pr.Row, Column: pr.Column, Value: pr.Value, Message: p.T(pr.Key)})
	}
	var fe *transfer.FileError
	var le *transfer.LineError
	if errors.As(err, &fe) || errors.As(err, &le) {
		return badRequest{app.DescribeImportError(p, err)}
	}
	if errors.Is(err, app.ErrPeopleFile) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		return json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": p.T("error.import"), "status": http.StatusUnprocessableEntity,
			"detail": p.T("error.people_import.nothing"), "problems": out.Problems})
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if dry {
		status = http.StatusOK
	}
	return writeJSON(w, status, out)
}
