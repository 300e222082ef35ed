package main

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// loop decides when a SecretSync is reconciled, as the controller's watch, predicate, periodic source and work
// queue do: on first sight (the informer's initial list makes every existing one a create event) and when its
// generation changes (a spec change; status updates and deletions are ignored); every rotation interval all of
// them; after a failed pass again, with the work queue's per-item backoff (5 ms doubling up to 1000 s). One at a
// time, as the controller's one worker. Listing every watch interval stands in for the watch.
type loop struct {
	r        *reconciler
	api      *apiClient
	watch    time.Duration
	rotation time.Duration
	seen     map[string]int64 // key -> generation last enqueued for
	due      map[string]time.Time
	failures map[string]int
}

func newLoop(r *reconciler, api *apiClient, watch, rotation time.Duration) *loop {
	return &loop{r: r, api: api, watch: watch, rotation: rotation,
		seen: map[string]int64{}, due: map[string]time.Time{}, failures: map[string]int{}}
}

type listItem struct {
	Metadata struct {
		Name       string `json:"name"`
		Namespace  string `json:"namespace"`
		Generation int64  `json:"generation"`
	} `json:"metadata"`
}

func (l *loop) run(ctx context.Context) error {
	nextPoll := time.Now().Add(l.rotation)
	lastError := ""
	for {
		var list struct {
			Items []listItem `json:"items"`
		}
		if err := l.api.do("GET", secretSyncAPI+"/secretsyncs", "", nil, &list); err != nil {
			// once per distinct error: without the CRD (up --no-crds) every list fails alike
			if err.Error() != lastError {
				fmt.Printf("listing SecretSyncs failed: %v\n", err)
				lastError = err.Error()
			}
		} else {
			lastError = ""
			now := time.Now()
			poll := l.rotation > 0 && now.After(nextPoll)
			if poll {
				nextPoll = now.Add(l.rotation)
			}
			l.observe(list.Items, now, poll)
		}
		l.work(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(l.watch):
		}
	}
}

// observe makes due what the controller would enqueue from one listing: a SecretSync seen for the first time, one
// whose generation changed, and with poll every one; it forgets those that are gone.
func (l *loop) observe(items []listItem, now time.Time, poll bool) {
	present := map[string]bool{}
	for _, item := range items {
		key := item.Metadata.Namespace + "/" + item.Metadata.Name
		present[key] = true
		generation, known := l.seen[key]
		if !known || generation != item.Metadata.Generation || poll {
			l.seen[key] = item.Metadata.Generation
			l.due[key] = now
		}
	}
	for key := range l.seen {
		if !present[key] {
			delete(l.seen, key)
			delete(l.due, key)
			delete(l.failures, key)
		}
	}
}

// work reconciles every key that is due, oldest first.
func (l *loop) work(ctx context.Context) {
	keys := make([]string, 0, len(l.due))
	now := time.Now()
	for key, at := range l.due {
		if !at.After(now) {
			keys = append(keys, key)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return l.due[keys[i]].Before(l.due[keys[j]]) || l.due[keys[i]].Equal(l.due[keys[j]]) && keys[i] < keys[j]
	})
	for _, key := range keys {
		if ctx.Err() != nil {
			return
		}
		delete(l.due, key)
		namespace, name := splitKey(key)
		outcome, err := l.r.reconcile(ctx, namespace, name)
		if err != nil {
			l.failures[key]++
			delay := backoff(l.failures[key])
			l.due[key] = time.Now().Add(delay)
			fmt.Printf("SecretSync %s: %v (retry in %s)\n", key, err, delay.Round(time.Millisecond))
			continue
		}
		delete(l.failures, key)
		fmt.Printf("SecretSync %s: Secret %s\n", key, outcome)
	}
}

// backoff is the work queue's default per-item delay after the nth failure in a row.
func backoff(failures int) time.Duration {
	delay := 5 * time.Millisecond
	for i := 1; i < failures && delay < 1000*time.Second; i++ {
		delay *= 2
	}
	return min(delay, 1000*time.Second)
}

func splitKey(key string) (string, string) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:]
		}
	}
	return "", key
}
