package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// requestCounts summarises the request log: the numbers behind a request budget (per pod start, per rotation).
type requestCounts struct {
	Total     int                    `json:"total"`
	ByService map[string]int         `json:"byService"`
	ByStatus  map[string]int         `json:"byStatus"`
	ByVault   map[string]*vaultCount `json:"byVault"`
}

type vaultCount struct {
	Requests int            `json:"requests"`
	Objects  map[string]int `json:"objects"` // kind/name -> requests
}

func countRequests(r io.Reader, since time.Time) (*requestCounts, error) {
	c := &requestCounts{ByService: map[string]int{}, ByStatus: map[string]int{}, ByVault: map[string]*vaultCount{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var e logEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("request log line %d: %w", c.Total+1, err)
		}
		if t, err := time.Parse(time.RFC3339Nano, e.Time); err == nil && t.Before(since) {
			continue
		}
		c.Total++
		c.ByService[e.Service]++
		c.ByStatus[fmt.Sprint(e.Status)]++
		if e.Vault != "" {
			v := c.ByVault[e.Vault]
			if v == nil {
				v = &vaultCount{Objects: map[string]int{}}
				c.ByVault[e.Vault] = v
			}
			v.Requests++
			if e.Kind != "" {
				v.Objects[e.Kind+"/"+e.Object]++
			}
		}
	}
	return c, sc.Err()
}

func countsCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("counts", flag.ContinueOnError)
	requestLog := fs.String("request-log", "", "request log file")
	since := fs.String("since", "", "count only requests at or after this RFC 3339 time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "request-log"); err != nil {
		return err
	}
	var from time.Time
	if *since != "" {
		var err error
		if from, err = time.Parse(time.RFC3339Nano, *since); err != nil {
			return fmt.Errorf("counts: --since: %w", err)
		}
	}
	f, err := os.Open(*requestLog)
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := countRequests(f, from)
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(c, "", "  ")
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}
