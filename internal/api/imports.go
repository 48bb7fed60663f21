package api

import (
	"io"
	"net/http"
	"os"
	"path/filepath"

	"kam/internal/app"
	"kam/internal/transfer"
)

// MaxUpload bounds an uploaded file.
const MaxUpload = 4 << 30

// importFile takes a multipart upload (field "file") and imports it:
// POST /api/v1/imports/revenue?dry_run=1&sheet=…&column=amount=销售额&mapping=NAME.
func (h *handler) importFile(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	if kind != app.KindAccounts && kind != app.KindRevenue {
		return badRequest{"kind must be accounts or revenue"}
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
