package server

import (
	"bytes"
	"embed"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

//go:embed status.html
var statusFS embed.FS

var statusPage = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"utc":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"took":  func(r Record) string { return r.Ended.Sub(r.Started).Round(time.Second).String() },
	"freed": freedText,
	"f1":    func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
}).ParseFS(statusFS, "status.html"))

// statusRoutes adds the status page and the kept reports to mux.
func (s *Server) statusRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.status)
	mux.HandleFunc("GET /sweeps/{id}", s.sweepReport)
}

// statusData is what status.html shows.
type statusData struct {
	Registry, Schedule string
	DryRun, Kept       bool // kept: reports are kept on disk (serve.history)
	Limit              int
	Sweeps             []Record // newest first
	Chart              *chart
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	recs := s.hist.list()
	oldestFirst := make([]Record, len(recs))
	for i, r := range recs {
		oldestFirst[len(recs)-1-i] = r
	}
	d := statusData{Registry: s.sw.Host, Schedule: s.serve.Schedule, DryRun: s.o.DryRun, Kept: s.hist.dir != "",
		Limit: s.hist.limit, Sweeps: recs, Chart: newChart(oldestFirst)}
	var b bytes.Buffer
	if err := statusPage.Execute(&b, d); err != nil {
		s.log.Error("drawing the status page failed", "error", err)
		http.Error(w, "drawing the status page failed", http.StatusInternalServerError)
		return
	}
	pageHeaders(w, "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

var reportTypes = map[string]string{".txt": "text/plain; charset=utf-8", ".json": "application/json", ".md": "text/markdown; charset=utf-8"}

// sweepReport serves a kept report as it was written, in the server's format.
func (s *Server) sweepReport(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	path, ok := s.hist.report(id)
	if err != nil || !ok {
		http.Error(w, "no such report: the history keeps the last "+strconv.Itoa(s.hist.limit)+" sweeps' reports, where serve.history is set", http.StatusNotFound)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "the report could not be read", http.StatusNotFound)
		return
	}
	defer f.Close()
	pageHeaders(w, reportTypes[filepath.Ext(path)])
	_, _ = io.Copy(w, f)
}

// pageHeaders: nothing is loaded from elsewhere, nothing is cached, nothing sniffed.
func pageHeaders(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// remember adds a finished sweep and its report file (nil: none) to the
// history; a failure to write them is logged.
func (s *Server) remember(ev Event, start, end time.Time, dryRun bool, rep *atomicFile) {
	r := Record{Started: start, Ended: end, Trigger: ev.Trigger, PR: ev.PR, Outcome: ev.Outcome,
		ExitCode: exitCodeOf(ev.Outcome, ev.Err), DryRun: dryRun}
	if sum := ev.Summary; sum != nil {
		r.Deleted, r.Kept, r.Failed, r.Manifests, r.Bytes = sum.Deleted, sum.Preserved, sum.Failed, sum.Manifests, sum.Bytes
	}
	if ev.Err != nil && ev.Outcome == OutcomeError {
		r.Error = ev.Err.Error()
	}
	if _, err := s.hist.addFile(r, rep); err != nil {
		s.log.Error("keeping the sweep in the history failed", "error", err)
	}
}

// freedText is the bytes freed, or a dash where the registry gave no sizes.
func freedText(r Record) string {
	if r.Bytes == 0 && !(r.Deleted == 0 && r.Manifests == 0) {
		return "—"
	}
	return bytesText(r.Bytes)
}
