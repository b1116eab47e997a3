// Command floor is the echo client of run.sh: -conns connections, each sending -msgs messages of -size bytes and
// reading each echo back before the next (the shape of tools/bench's server_echo rows). It prints the wall time and
// the server's CPU time (user+sys of -pid, from /proc), both in ns per message.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func cpu(pid int) time.Duration {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return time.Duration(u+s) * 10 * time.Millisecond
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "")
	pid := flag.Int("pid", 0, "")
	size := flag.Int("size", 64, "")
	msgs := flag.Int("msgs", 1000, "")
	nc := flag.Int("conns", 100, "")
	flag.Parse()
	conns := make([]net.Conn, *nc)
	for i := range conns {
		var err error
		for t := 0; t < 100; t++ {
			if conns[i], err = net.Dial("tcp", *addr); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			panic(err)
		}
	}
	c0 := cpu(*pid)
	begin := time.Now()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := bytes.Repeat([]byte{'x'}, *size)
			in := make([]byte, *size)
			for i := 0; i < *msgs; i++ {
				if _, err := c.Write(out); err != nil {
					panic(err)
				}
				if _, err := io.ReadFull(c, in); err != nil {
					panic(err)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(begin)
	n := float64(*nc * *msgs)
	fmt.Printf("%.0f %.0f\n", float64(el.Nanoseconds())/n, float64((cpu(*pid)-c0).Nanoseconds())/n)
}
