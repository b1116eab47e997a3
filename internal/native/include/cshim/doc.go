// Package cshim is a directory of C headers, not code: the copies of cshim/*.h that the cgo preambles of coro and
// net/* include (#cgo CFLAGS: -I.../internal/native/include). It is a Go package, blank-imported by package native,
// because `go mod vendor` copies only the directories of imported packages: without this file a vendored gocoro
// lacks the headers and coro fails with "cshim/callback.h: No such file or directory". The headers are generated
// (see package native); this file and BUILD.bazel are kept by hand.
package cshim
