// Package coro runs Go functions on the executors of a C++20 coroutine runtime that speaks libcoro's API
// (third_party/libcoro), through a flat C shim (cshim).
//
// # Threads
//
// A ThreadPool owns ThreadCount OS threads created by C++. A Go function handed to an executor (Schedule,
// Spawn) runs on one of those threads, entered through a cgo callback: while it runs, that pool thread runs
// nothing else, so a function that blocks (channel receive, mutex, syscall, time.Sleep) blocks the pool
// thread too. The goroutine that called Schedule is parked (it holds no OS thread) until the function
// finishes. OnThreadStart/OnThreadStop callbacks run on the pool thread they describe.
//
// # Lifetime
//
// Close shuts an executor down: it stops accepting work, runs everything already queued, joins the threads
// and frees the C++ object. Every later operation returns an error for which errors.Is(err, ErrClosed) is
// true; a second Close does nothing.
//
// # Errors and panics
//
// A panic inside a Go function run by an executor is recovered on the executor thread (it never crosses into
// C++ or kills the thread) and returned where the result is awaited as a *PanicError.
//
// # Handles
//
// Go values never live in C memory: C++ only holds runtime/cgo handles, each freed exactly once. LiveHandles
// reports how many are outstanding, so tests can prove nothing leaks.
package coro
