// goruntime: the Go runtime in a sandbox, built with cgo (as Debian's own Go programs
// are, the go tool among them), so each thread the runtime starts is a pthread whose
// alternate signal stack the runtime takes as it finds it: Linux gives a new thread
// none. Goroutines in tight loops are preempted by SIGURG, others block in syscalls,
// timers fire, the collector runs, a child is executed and TCP runs over loopback.
// Deterministic output, compared with a native run (tests/integration/proc).
package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func spin(stop *int32) int {
	n := 0
	for atomic.LoadInt32(stop) == 0 {
		n++
	}
	return n
}

func main() {
	runtime.GOMAXPROCS(4)
	C.free(C.malloc(16))

	// Tight loops that only asynchronous preemption (SIGURG) can interrupt, while
	// other goroutines sleep, allocate and make syscalls.
	var stop int32
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); spin(&stop) }()
	}
	var garbage [][]byte
	for i := 0; i < 50; i++ {
		garbage = append(garbage, make([]byte, 64<<10))
		if len(garbage) > 32 {
			garbage = garbage[1:]
		}
		if f, err := os.Open("/etc/hostname"); err == nil {
			f.Close()
		}
		time.Sleep(time.Millisecond)
	}
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	runtime.GC()
	fmt.Println("preempted loops stopped; garbage collected")

	// Many goroutines doing syscalls at once.
	var total int64
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if b, err := os.ReadFile("/proc/self/stat"); err == nil && len(b) > 0 {
					atomic.AddInt64(&total, 1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Println("reads", total)

	out, err := exec.Command("/bin/echo", "child").Output()
	fmt.Printf("exec %q %v\n", out, err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen", err)
		os.Exit(1)
	}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			buf := make([]byte, 5)
			n, _ := c.Read(buf)
			c.Write(buf[:n])
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err == nil {
		c.Write([]byte("hello"))
		buf := make([]byte, 5)
		n, _ := c.Read(buf)
		fmt.Println("tcp", string(buf[:n]))
		c.Close()
	}
	t := time.NewTimer(20 * time.Millisecond)
	<-t.C
	fmt.Println("timer fired")
}
