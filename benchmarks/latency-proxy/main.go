// Command latency-proxy forwards TCP connections on loopback and delivers every chunk it reads a fixed one-way delay
// later, in each direction: a network of a chosen round trip between an app and its database on one machine, where
// the kernel has no netem. It delays, it does not throttle: chunks read at t are written at t+delay however many are
// in flight.
//
//	latency-proxy -listen 127.0.0.1:6433 -target 127.0.0.1:5432 -delay 500us
//	latency-proxy -listen 127.0.0.1:6433 -target 127.0.0.1:5432 -delay-file /tmp/delay   # re-read every 100 ms
//
// The delay file holds a Go duration ("250us", "1ms"); a change applies to chunks read after it, on open connections
// too, so a benchmark can change the network under a running server without breaking its pool.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const chunkSize = 32 * 1024

// The runtime's timers wait in epoll with millisecond resolution on this Go (a 250 µs sleep takes over 1 ms), so
// the writer sleeps in nanosleep(2), which blocks only its own thread. A thread wakes some 50–150 µs after it asked
// (timer slack, then the scheduler): wakeLate keeps a running mean of that lateness, and each sleep ends that much
// early, so chunks are due on time on average without spinning.
var wakeLate atomic.Int64

const maxWakeLate = 150 * time.Microsecond

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

var buffers = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

type chunk struct {
	due  time.Time
	data *[]byte
	n    int
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	target := flag.String("target", "", "loopback address to forward to")
	delay := flag.Duration("delay", 0, "one-way delay added in each direction")
	delayFile := flag.String("delay-file", "", "a file holding the one-way delay, re-read every 100 ms (overrides -delay)")
	flag.Parse()
	for _, address := range []string{*listen, *target} {
		if err := loopbackOnly(address); err != nil {
			fmt.Fprintln(os.Stderr, "latency-proxy:", err)
			os.Exit(2)
		}
	}

	var current atomic.Int64
	current.Store(int64(*delay))
	if *delayFile != "" {
		if err := readDelay(*delayFile, &current); err != nil {
			fmt.Fprintln(os.Stderr, "latency-proxy:", err)
			os.Exit(2)
		}
		go func() {
			for range time.Tick(100 * time.Millisecond) {
				if err := readDelay(*delayFile, &current); err != nil {
					log.Print(err)
				}
			}
		}()
	}

	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "latency-proxy:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s, target %s, one-way delay %s\n", listener.Addr(), *target, time.Duration(current.Load()))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-stop; listener.Close() }()

	for {
		client, err := listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Print(err)
			continue
		}
		go serve(client.(*net.TCPConn), *target, &current)
	}
}

func loopbackOnly(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%q: %w", address, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not a loopback address: this proxy is for one machine only", address)
	}
	return nil
}

func readDelay(path string, current *atomic.Int64) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(strings.TrimSpace(string(text)))
	if err != nil || d < 0 {
		return fmt.Errorf("%s: not a duration: %q", path, strings.TrimSpace(string(text)))
	}
	current.Store(int64(d))
	return nil
}

func serve(client *net.TCPConn, target string, delay *atomic.Int64) {
	upstream, err := net.Dial("tcp", target)
	if err != nil {
		client.Close()
		return
	}
	server := upstream.(*net.TCPConn)
	client.SetNoDelay(true)
	server.SetNoDelay(true)
	var done sync.WaitGroup
	done.Add(2)
	go pipe(client, server, delay, &done)
	go pipe(server, client, delay, &done)
	done.Wait()
	client.Close()
	server.Close()
}

// pipe reads from src and writes to dst, each chunk delay after it was read; dst's write side closes after the last.
func pipe(src, dst *net.TCPConn, delay *atomic.Int64, done *sync.WaitGroup) {
	defer done.Done()
	queue := make(chan chunk, 1024)
	go func() {
		defer close(queue)
		for {
			buffer := buffers.Get().(*[]byte)
			n, err := src.Read(*buffer)
			if n > 0 {
				queue <- chunk{due: time.Now().Add(time.Duration(delay.Load())), data: buffer, n: n}
			} else {
				buffers.Put(buffer)
			}
			if err != nil {
				return
			}
		}
	}()
	failed := false
	for c := range queue {
		if !failed {
			wait(c.due)
			if _, err := dst.Write((*c.data)[:c.n]); err != nil {
				failed = true
				src.CloseRead() // the reader stops; what it still queues is dropped
			}
		}
		buffers.Put(c.data)
	}
	if !failed {
		dst.CloseWrite()
	}
}

func wait(due time.Time) {
	target := due.Add(-time.Duration(wakeLate.Load()))
	left := time.Until(target)
	if left <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(left))
	_ = syscall.Nanosleep(&ts, nil)
	// A wake much later than that is the CPU being busy, not the timer: it counts as the cap, or the mean would
	// grow under load and the delays shrink.
	late := min64(int64(time.Since(target)), int64(maxWakeLate))
	previous := wakeLate.Load()
	wakeLate.Store(previous + (late-previous)/16)
}
