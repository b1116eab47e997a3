// Package net is a directory of C headers, not code: the copies of cshim/net/*.h that the cgo preambles of net/*
// include. Like package cshim above it, it is a Go package only so that `go mod vendor` copies the headers (package
// native blank-imports it). Never imported by name, so it shadows no standard package.
package net
