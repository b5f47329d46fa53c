package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func server(t *testing.T, took time.Duration) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(took); w.Write([]byte("ok")) }))
	t.Cleanup(s.Close)
	return s.URL
}

func TestFastServer_EveryRequestSentOnScheduleAndTimed(t *testing.T) {
	out := run(server(t, 20*time.Millisecond), []string{"/a", "/b"}, 100, 2*time.Second, 0, 16, 5*time.Second, 1)
	if out.Sent != 200 || out.Completed != 200 || out.Errors != 0 {
		t.Fatalf("%+v", out)
	}
	if out.P50 < 20 || out.P50 > 40 {
		t.Fatalf("p50 %v ms for a 20 ms server", out.P50)
	}
}

// A server slower than the rate allows, with two connections: requests queue, and their latency counts the wait
// from when each was due (a closed loop would just send fewer).
func TestSlowServer_LatencyGrowsInsteadOfTheRateDropping(t *testing.T) {
	out := run(server(t, 50*time.Millisecond), []string{"/"}, 100, time.Second, 0, 2, 10*time.Second, 1)
	if out.Sent != 100 || out.Completed != 100 {
		t.Fatalf("%+v", out)
	}
	// 100 requests, 2 at a time, 50 ms each: the last is done some 2.5 s in, though due at 1 s.
	if out.Max < 1200 || out.P99 < 1200 {
		t.Fatalf("max %v ms, p99 %v ms: the queueing is not counted", out.Max, out.P99)
	}
	if out.Late < 50 {
		t.Fatalf("only %d late", out.Late)
	}
}

func TestPathsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "paths")
	os.WriteFile(file, []byte("/u/a\n\n/u/b\n"), 0o644)
	paths, err := readPaths(file)
	if err != nil || len(paths) != 2 || paths[1] != "/u/b" {
		t.Fatalf("%v %v", paths, err)
	}
}
