// native_handler: a user's own C++ connection handler (linecount.cc, written against libcoro's API) compiled into
// this Go package by cgo and served by net/server: Go starts the server, reads its counters and stops it, while
// the accept/read/write loop runs in C++ on a coro.IOScheduler.
//
//	go run ./examples/native_handler -addr 127.0.0.1:8080
//	printf 'hello\nworld\nquit\n' | nc 127.0.0.1 8080     # 1: HELLO / 2: WORLD / bye
//	go run ./examples/native_handler -upper16               # a handler written against libcoro v0.16
//
// Handlers may be written against either libcoro API version: linecount.cc uses v0.14's, v16_handlers.cc selects
// v0.16's (LIBCORO_API_VERSION 1600, set in the file); both load through the same C ABI table and server.Native.
//
// How a package outside this module gets the include paths: the handler includes "cshim/net/server_handler.hpp"
// and libcoro's headers, which live in the gocoro module. Inside the module (as here) the #cgo lines below name
// them relative to ${SRCDIR}; elsewhere, point the compiler at the module's directory, e.g.
//
//	GOCORO=$(go list -m -f '{{.Dir}}' github.com/gocoro/gocoro)
//	CGO_CXXFLAGS="-I$GOCORO -I$GOCORO/third_party/libcoro/include" go build ./...
//
// and keep `-std=c++20 -DLIBCORO_FEATURE_NETWORKING` (the macro every gocoro translation unit is compiled with,
// tools/native/sources.txt) in the package's own #cgo CXXFLAGS. The package must import net/server (which links
// the server and libcoro's networking code, compiled in internal/native); it must not compile any gocoro source
// itself, so that every symbol is defined once in the binary. libcoro's include path is in libcoro_embedded.go (or, with the
// libcoro_external build tag, pkg-config's, libcoro_external.go).
package main

// #cgo CFLAGS: -I${SRCDIR}/../..
// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -I${SRCDIR}/../..
// #cgo LDFLAGS: -lstdc++
// #include "linecount.h"
// #include "v16_handlers.h"
import "C"

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sync"
	"unsafe"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
)

// lineServer is a net/server Server running the C++ linecount handler, plus the handler's shared state (C memory).
type lineServer struct {
	*server.Server
	mu    sync.Mutex
	state *C.linecount_state // nil once freed
}

// serveLines starts the handler on s. Close the result (it frees the C++ state after the server has stopped).
func serveLines(ctx context.Context, s *coro.IOScheduler, addr string) (*lineServer, error) {
	state := C.linecount_state_new()
	srv, err := server.Serve(ctx, s, addr, server.Native(unsafe.Pointer(C.linecount_handler()), unsafe.Pointer(state)), nil)
	if err != nil {
		C.linecount_state_free(state)
		return nil, err
	}
	ls := &lineServer{Server: srv, state: state}
	go func() { // free the state once the server has stopped (no handler can use it any more), whoever stopped it
		<-srv.Done()
		ls.mu.Lock()
		C.linecount_state_free(ls.state)
		ls.state = nil
		ls.mu.Unlock()
	}()
	return ls, nil
}

// serveEcho serves the libcoro-style echo handler (libcoro_echo in linecount.cc).
func serveEcho(ctx context.Context, s *coro.IOScheduler, addr string) (*server.Server, error) {
	return server.Serve(ctx, s, addr, server.Native(unsafe.Pointer(C.libcoro_echo_handler()), nil), nil)
}

// serveV16 serves one of the handlers written against libcoro v0.16 (v16_handlers.cc): the same C ABI table and the
// same server.Native as for the v0.14 handlers; only the handler's translation unit differs.
func serveV16(ctx context.Context, s *coro.IOScheduler, addr string, table *C.gocoro_server_handler) (*server.Server, error) {
	if table == nil {
		return nil, errV16Unavailable
	}
	return server.Serve(ctx, s, addr, server.Native(unsafe.Pointer(table), nil), nil)
}

// errV16Unavailable: v16_handlers.cc was compiled against a user's upstream libcoro v0.14 (libcoro_external).
var errV16Unavailable = errors.New("native_handler: the v0.16 handlers need gocoro's embedded libcoro (built without the libcoro_external tag)")

// serveUpper16 serves upper16 (v0.16 connection view: read_some / write_all).
func serveUpper16(ctx context.Context, s *coro.IOScheduler, addr string) (*server.Server, error) {
	return serveV16(ctx, s, addr, C.upper16_handler())
}

// serveEcho16 serves libcoro16_echo (a handler taking a v0.16 coro::net::tcp::client).
func serveEcho16(ctx context.Context, s *coro.IOScheduler, addr string) (*server.Server, error) {
	return serveV16(ctx, s, addr, C.libcoro16_echo_handler())
}

// Lines is how many lines the handler has answered on all connections (read from the C++ state).
func (ls *lineServer) Lines() uint64 {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.state == nil {
		return 0
	}
	return uint64(C.linecount_state_lines(ls.state))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (IP literal:port)")
	upper := flag.Bool("upper16", false, "serve the libcoro v0.16 handler upper16 (echoes upper-cased) instead of linecount")
	flag.Parse()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var srv *server.Server
	name := "linecount"
	if *upper {
		name = "upper16"
		srv, err = serveUpper16(ctx, s, *addr)
	} else {
		var ls *lineServer
		ls, err = serveLines(ctx, s, *addr)
		if ls != nil {
			srv = ls.Server
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("native_handler (%s) listening on %s\n", name, srv.Addr())
	<-srv.Done()
	st := srv.Stats()
	fmt.Printf("served %d connections, %d requests, %d bytes in, %d bytes out\n", st.Accepted, st.Requests, st.BytesRead, st.BytesWritten)
}

// v16HandlersBuilt reports whether v16_handlers.cc has its handlers (gocoro's embedded libcoro).
func v16HandlersBuilt() bool { return C.upper16_handler() != nil }
