package main

import (
	"strings"
	"testing"
)

func TestStrip(t *testing.T) {
	in := strings.Join([]string{
		`#pragma once`,
		`#include "coro/gocoro_extensions.hpp"`,
		`#ifdef LIBCORO_FEATURE_NETWORKING`,
		`#if GOCORO_CORE_EXTENSIONS`,
		`auto extension() -> void;`,
		`#ifdef X`,
		`auto nested_extension() -> void;`,
		`#endif`,
		`#else`,
		`auto fallback() -> void;`,
		`#endif`,
		`#endif`,
		`#if !GOCORO_CORE_EXTENSIONS`,
		`auto upstream_only() -> void;`,
		`#endif`,
		`auto kept() -> void;`,
		``,
	}, "\n")
	want := strings.Join([]string{
		`#pragma once`,
		`#ifdef LIBCORO_FEATURE_NETWORKING`,
		`auto fallback() -> void;`,
		`#endif`,
		`auto upstream_only() -> void;`,
		`auto kept() -> void;`,
		``,
	}, "\n")
	got, err := strip("t.hpp", in)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("strip:\n%s\nwant:\n%s", got, want)
	}
}

func TestStripRefusesWhatItCannotEvaluate(t *testing.T) {
	for _, in := range []string{
		"#if defined(GOCORO_CORE_EXTENSIONS) && X\n#endif\n",
		"#if GOCORO_CORE_EXTENSIONS\n#elif X\n#endif\n",
		"#if GOCORO_CORE_EXTENSIONS\n",
		"int x = GOCORO_CORE_EXTENSIONS;\n",
	} {
		if _, err := strip("t.hpp", in); err == nil {
			t.Errorf("strip accepted %q", in)
		}
	}
}
