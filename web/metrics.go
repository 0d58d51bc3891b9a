package web

import (
	"bufio"
	"context"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kampbank/kamp"
)

// durationBuckets are the upper bounds, in seconds, of the request duration
// histogram (Prometheus' defaults).
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// importStatuses are the final import statuses counted by
// kamp_imports_total, all shown from the start so that rates work.
var importStatuses = []string{kamp.ImportLoaded, kamp.ImportPartial, kamp.ImportRejected, kamp.ImportFailed}

// requestKey identifies one series of http_requests_total.
type requestKey struct {
	method, route string
	code          int
}

// histogram is one route's request durations.
type histogram struct {
	counts []uint64 // per bucket, not cumulative; one extra for +Inf
	sum    float64
	count  uint64
}

// metrics holds the server's counters, written in the Prometheus text
// exposition format (version 0.0.4) by hand: no client library.
type metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]uint64
	durations map[string]*histogram
	imports   map[string]uint64
}

func newMetrics() *metrics {
	m := &metrics{
		requests:  map[requestKey]uint64{},
		durations: map[string]*histogram{},
		imports:   map[string]uint64{},
	}
	for _, st := range importStatuses {
		m.imports[st] = 0
	}
	return m
}

// observeRequest counts one request.
func (m *metrics) observeRequest(method, route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{method, route, code}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets)+1)}
		m.durations[route] = h
	}
	sec := d.Seconds()
	i, _ := slices.BinarySearch(durationBuckets, sec)
	h.counts[i]++
	h.sum += sec
	h.count++
}

// importFinished counts one finished import by its status.
func (m *metrics) importFinished(status string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.imports[status]++
}

// labelValue escapes a label value: backslash, double quote and newline.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// formatFloat writes a sample value the way Prometheus reads it.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// write writes every metric in the text exposition format.
func (m *metrics) write(w *bufio.Writer, started time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()

	w.WriteString("# HELP http_requests_total HTTP requests served, by method, route pattern and status code.\n")
	w.WriteString("# TYPE http_requests_total counter\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		if c := strings.Compare(a.method, b.method); c != 0 {
			return c
		}
		return a.code - b.code
	})
	for _, k := range keys {
		w.WriteString(`http_requests_total{method="` + labelValue(k.method) + `",route="` + labelValue(k.route) +
			`",code="` + strconv.Itoa(k.code) + `"} ` + strconv.FormatUint(m.requests[k], 10) + "\n")
	}

	w.WriteString("# HELP http_request_duration_seconds Time to serve HTTP requests, by route pattern.\n")
	w.WriteString("# TYPE http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(m.durations))
	for r := range m.durations {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, route := range routes {
		h := m.durations[route]
		lv := labelValue(route)
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			w.WriteString(`http_request_duration_seconds_bucket{route="` + lv + `",le="` + formatFloat(le) + `"} ` + strconv.FormatUint(cum, 10) + "\n")
		}
		w.WriteString(`http_request_duration_seconds_bucket{route="` + lv + `",le="+Inf"} ` + strconv.FormatUint(h.count, 10) + "\n")
		w.WriteString(`http_request_duration_seconds_sum{route="` + lv + `"} ` + formatFloat(h.sum) + "\n")
		w.WriteString(`http_request_duration_seconds_count{route="` + lv + `"} ` + strconv.FormatUint(h.count, 10) + "\n")
	}

	w.WriteString("# HELP kamp_imports_total Imports finished by this process, by final status.\n")
	w.WriteString("# TYPE kamp_imports_total counter\n")
	statuses := make([]string, 0, len(m.imports))
	for st := range m.imports {
		statuses = append(statuses, st)
	}
	slices.Sort(statuses)
	for _, st := range statuses {
		w.WriteString(`kamp_imports_total{status="` + labelValue(st) + `"} ` + strconv.FormatUint(m.imports[st], 10) + "\n")
	}

	w.WriteString("# HELP go_goroutines Number of goroutines that currently exist.\n")
	w.WriteString("# TYPE go_goroutines gauge\n")
	w.WriteString("go_goroutines " + strconv.Itoa(runtime.NumGoroutine()) + "\n")

	w.WriteString("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n")
	w.WriteString("# TYPE process_start_time_seconds gauge\n")
	w.WriteString("process_start_time_seconds " + formatFloat(float64(started.UnixMilli())/1000) + "\n")
}

// handleMetrics serves GET /metrics.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriter(w)
	s.metrics.write(bw, s.started)
	if err := bw.Flush(); err != nil {
		s.log.Debug("write metrics", "err", err)
	}
}

// handleHealth serves GET /healthz: 200 "ok" when the database answers a
// ping within two seconds, 503 otherwise.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Error("health check failed", "request_id", requestID(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
