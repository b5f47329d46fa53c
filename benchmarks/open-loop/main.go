// Command open-loop sends HTTP GETs at a fixed rate, whatever the server's pace, and reports latency from the time
// each request was due: a request that waits for a free connection waits on the clock. wrk's closed loop sends a
// connection's next request only when its last one returns, so a slow server is asked less and its latency is
// under-reported (coordinated omission); Debian has no wrk2.
//
//	open-loop -url-base http://127.0.0.1:5000 -paths paths.txt -rate 200 -duration 10s -warmup 3s
//
// It prints one JSON object: rate, sent, completed, errors (transport), non2xx, late (started more than 1 ms after
// due), achieved_rps, p50_ms, p90_ms, p99_ms, max_ms. Requests in the warm-up are sent on the schedule, not counted.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type result struct {
	Rate        float64 `json:"rate"`
	DurationS   float64 `json:"duration_s"`
	Sent        int     `json:"sent"`
	Completed   int     `json:"completed"`
	Errors      int     `json:"errors"`
	Non2xx      int     `json:"non2xx"`
	Late        int     `json:"late"`
	AchievedRps float64 `json:"achieved_rps"`
	P50         float64 `json:"p50_ms"`
	P90         float64 `json:"p90_ms"`
	P99         float64 `json:"p99_ms"`
	Max         float64 `json:"max_ms"`
}

func main() {
	base := flag.String("url-base", "", "scheme, host and port, e.g. http://127.0.0.1:5000")
	pathsFile := flag.String("paths", "", "a file of paths, one a line; each request takes one at random")
	rate := flag.Float64("rate", 100, "requests a second")
	duration := flag.Duration("duration", 10*time.Second, "how long requests are counted")
	warmup := flag.Duration("warmup", 0, "how long requests are sent before counting starts")
	connections := flag.Int("connections", 64, "most connections open at once")
	timeout := flag.Duration("timeout", 10*time.Second, "a request's timeout")
	seed := flag.Int64("seed", 20260101, "the seed that picks the paths")
	flag.Parse()
	paths, err := readPaths(*pathsFile)
	if err != nil || *base == "" || *rate <= 0 || *duration <= 0 || *connections <= 0 {
		fmt.Fprintln(os.Stderr, "usage: open-loop -url-base URL -paths FILE [-rate N] [-duration D] [-warmup D] [-connections N]", err)
		os.Exit(2)
	}
	out := run(strings.TrimSuffix(*base, "/"), paths, *rate, *duration, *warmup, *connections, *timeout, *seed)
	json.NewEncoder(os.Stdout).Encode(out)
}

func readPaths(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var paths []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); line != "" {
			paths = append(paths, line)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no paths in %s", file)
	}
	return paths, scanner.Err()
}

type sample struct {
	latency time.Duration
	late    bool
	status  int
	err     bool
}

func run(base string, paths []string, rate float64, duration, warmup time.Duration, connections int, timeout time.Duration, seed int64) result {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: connections, MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections, DisableCompression: true,
	}}
	interval := time.Duration(float64(time.Second) / rate)
	total := int((warmup + duration) / interval)
	counted := int(duration / interval)
	samples := make([]sample, counted)
	picker := rand.New(rand.NewSource(seed))
	slots := make(chan struct{}, connections) // a request holds a slot while it runs: at most `connections` at once
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		sleepUntil(due)
		url := base + paths[picker.Intn(len(paths))]
		index := i - (total - counted)
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			began := time.Now()
			s := sample{late: began.Sub(due) > time.Millisecond}
			response, err := client.Get(url)
			if err != nil {
				s.err = true
			} else {
				_, err = io.Copy(io.Discard, response.Body)
				response.Body.Close()
				s.status = response.StatusCode
				s.err = err != nil
			}
			s.latency = time.Since(due)
			if index >= 0 {
				samples[index] = s
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start.Add(warmup))
	out := result{Rate: rate, DurationS: duration.Seconds(), Sent: counted}
	latencies := make([]time.Duration, 0, counted)
	for _, s := range samples {
		switch {
		case s.err:
			out.Errors++
		case s.status < 200 || s.status > 299:
			out.Non2xx++
		default:
			out.Completed++
		}
		if s.late {
			out.Late++
		}
		latencies = append(latencies, s.latency)
	}
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	at := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		i := int(p*float64(len(latencies))+0.5) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(latencies) {
			i = len(latencies) - 1
		}
		return float64(latencies[i].Microseconds()) / 1000
	}
	out.P50, out.P90, out.P99, out.Max = at(0.50), at(0.90), at(0.99), at(1)
	out.AchievedRps = float64(out.Completed) / elapsed.Seconds()
	return out
}

// sleepUntil waits in nanosleep(2): the runtime's timers wait in epoll with millisecond resolution on this Go, which
// would send requests up to a millisecond after they are due and count that as the server's.
func sleepUntil(due time.Time) {
	for left := time.Until(due); left > 0; left = time.Until(due) {
		ts := syscall.NsecToTimespec(int64(left))
		_ = syscall.Nanosleep(&ts, nil)
	}
}
