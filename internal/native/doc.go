// Package native is the one place where go build compiles gocoro's C++: libcoro's core and networking (without
// TLS and DNS) and the C ABI shim over them (cshim/). Its sub-packages tls and dns compile the parts that need a
// system library (OpenSSL, c-ares), so that importing coro never does.
//
// The code compiled here lives in this directory, as amalgamations generated from tools/native/sources.txt (the
// manifest that make and Bazel read too): every source and project header inlined, so Go's build cache, which
// hashes a package's own files, sees every C++ change. After editing C++ under third_party/libcoro or cshim, run
//
//	go generate ./internal/native
//
// (or go run ./internal/cmd/amalgamate); the tests of this package fail while a generated file is out of date.
//
// The link dependency, stated once here: a package whose cgo preamble declares gocoro_* functions includes the
// C ABI headers from internal/native/include (copies generated with the amalgamations) and imports the owner
// that defines them: this package, or native/tls or native/dns, which import this one. The import is what puts
// the definitions into the binary and what makes the go command recompile the importer when the headers change
// (SourceHash). No other package compiles gocoro's C++; TestTopology checks both rules.
package native

// The header directories are packages only so that `go mod vendor` copies them (see package cshim); importing them
// here puts them into every gocoro build's import graph.
import (
	_ "github.com/gocoro/gocoro/internal/native/include/cshim"
	_ "github.com/gocoro/gocoro/internal/native/include/cshim/net"
)

//go:generate go run ../cmd/amalgamate
