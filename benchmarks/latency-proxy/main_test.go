package main

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// An echo server behind the proxy: what goes in comes back whole and in order, one round trip later than direct.
func startProxy(t *testing.T, delay time.Duration) (addr string) {
	t.Helper()
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { echo.Close() })
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	var current atomic.Int64
	current.Store(int64(delay))
	go func() {
		for {
			c, err := listener.Accept()
			if err != nil {
				return
			}
			go serve(c.(*net.TCPConn), echo.Addr().String(), &current)
		}
	}()
	return listener.Addr().String()
}

func TestRoundTripTakesTwiceTheDelay(t *testing.T) {
	delay := 50 * time.Millisecond
	c, err := net.Dial("tcp", startProxy(t, delay))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reply := make([]byte, 4)
	for i := 0; i < 3; i++ {
		began := time.Now()
		c.Write([]byte("ping"))
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(began); took < 2*delay || took > 2*delay+500*time.Millisecond {
			// The upper bound leaves room for a busy machine; the lower one is what a missing delay breaks.
			t.Fatalf("round trip %v, want 2×%v (+ at most 500 ms)", took, delay)
		}
	}
}

func TestManyWritesArriveWholeAndInOrderWithoutAWaitEach(t *testing.T) {
	delay := 20 * time.Millisecond
	c, err := net.Dial("tcp", startProxy(t, delay))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var sent bytes.Buffer
	for i := 0; i < 200; i++ {
		sent.WriteString(time.Duration(i).String())
	}
	began := time.Now()
	go func() {
		data := sent.Bytes()
		for len(data) > 0 { // many small writes: each a chunk of its own
			n := 7
			if n > len(data) {
				n = len(data)
			}
			c.Write(data[:n])
			data = data[n:]
		}
	}()
	got := make([]byte, sent.Len())
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sent.Bytes()) {
		t.Fatal("the bytes came back changed or out of order")
	}
	// Pipelined: every chunk is delayed once, not one delay after another.
	if took := time.Since(began); took > 2*delay+200*time.Millisecond {
		t.Fatalf("took %v for %d chunks: the delay is paid per chunk, not once", took, sent.Len()/7)
	}
}

func TestOnlyLoopback(t *testing.T) {
	for _, address := range []string{"0.0.0.0:5432", "10.0.0.1:5432", "example.com:80"} {
		if loopbackOnly(address) == nil {
			t.Errorf("%s was accepted", address)
		}
	}
	for _, address := range []string{"127.0.0.1:5432", "[::1]:5432", "localhost:80"} {
		if err := loopbackOnly(address); err != nil {
			t.Errorf("%s: %v", address, err)
		}
	}
}
