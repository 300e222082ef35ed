package main

import (
	"encoding/json"
	"os"
	"sync"
	"time"
)

// logEntry is one line of the request log. It names things (hosts, paths, vaults, objects, client IDs) and never
// carries a value, a secret or a token: query strings are reduced to their parameter names.
type logEntry struct {
	Time       string   `json:"time"`
	Method     string   `json:"method"`
	Host       string   `json:"host"`
	Path       string   `json:"path,omitempty"`
	Query      []string `json:"query,omitempty"`
	Service    string   `json:"service"`
	Tenant     string   `json:"tenant,omitempty"`
	Vault      string   `json:"vault,omitempty"`
	Kind       string   `json:"kind,omitempty"`
	Object     string   `json:"object,omitempty"`
	Version    string   `json:"version,omitempty"`
	ClientID   string   `json:"clientId,omitempty"`
	Grant      string   `json:"grant,omitempty"`
	Status     int      `json:"status"`
	Error      string   `json:"error,omitempty"`
	DurationMs float64  `json:"durationMs"`
}

type requestLogger struct {
	mu sync.Mutex
	f  *os.File
}

func openRequestLog(path string) (*requestLogger, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &requestLogger{f: f}, nil
}

func (l *requestLogger) write(e *logEntry, start, end time.Time) {
	e.Time = start.UTC().Format(time.RFC3339Nano)
	e.DurationMs = float64(end.Sub(start).Microseconds()) / 1000
	line, err := json.Marshal(e)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.f.Write(append(line, '\n'))
}
