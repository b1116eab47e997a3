// Command unextend copies gocoro's embedded libcoro core (include/ and src/ of third_party/libcoro) with its
// extensions removed, as a stand-in for upstream libcoro v0.14.1: every `#if GOCORO_CORE_EXTENSIONS` block is
// dropped (its `#else` branch kept), every `#if !GOCORO_CORE_EXTENSIONS` block kept without the directives, and
// the `#include` of coro/gocoro_extensions.hpp removed, so that neither the macro nor any extension declaration is
// left in what tools/external/standin.sh compiles and installs. With -headers, it then leaves only the headers
// upstream has (headers.go).
//
//	go run ./external/unextend -from ../third_party/libcoro -to /tmp/stage [-headers external/upstream_headers.txt]
//
// Only those exact conditions are evaluated; every other directive is copied (and only tracked for nesting).
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

const macro = "GOCORO_CORE_EXTENSIONS"

var (
	openRE    = regexp.MustCompile(`^\s*#\s*(if|ifdef|ifndef)\b\s*(.*?)\s*$`)
	elseRE    = regexp.MustCompile(`^\s*#\s*else\b`)
	elifRE    = regexp.MustCompile(`^\s*#\s*elif\b`)
	endifRE   = regexp.MustCompile(`^\s*#\s*endif\b`)
	includeRE = regexp.MustCompile(`^\s*#\s*include\s*["<]coro/gocoro_extensions\.hpp[">]`)
)

// frame is one open conditional: ours says it tests the macro; keep says whether its current branch is copied.
type frame struct{ ours, keep bool }

// strip returns text with the extension blocks resolved for GOCORO_CORE_EXTENSIONS == 0.
func strip(name, text string) (string, error) {
	var out strings.Builder
	var stack []frame
	keeping := func() bool {
		for _, f := range stack {
			if !f.keep {
				return false
			}
		}
		return true
	}
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		bad := func(msg string) error { return fmt.Errorf("%s:%d: %s", name, i+1, msg) }
		switch {
		case openRE.MatchString(line):
			m := openRE.FindStringSubmatch(line)
			switch {
			case m[1] == "if" && m[2] == macro:
				stack = append(stack, frame{ours: true, keep: false})
				continue
			case m[1] == "if" && m[2] == "!"+macro:
				stack = append(stack, frame{ours: true, keep: true})
				continue
			case strings.Contains(m[2], macro):
				return "", bad("only `#if " + macro + "` and `#if !" + macro + "` are understood")
			}
			stack = append(stack, frame{keep: true})
		case elifRE.MatchString(line) && len(stack) > 0 && stack[len(stack)-1].ours:
			return "", bad("#elif in an extension block is not understood")
		case elseRE.MatchString(line) && len(stack) > 0 && stack[len(stack)-1].ours:
			stack[len(stack)-1].keep = !stack[len(stack)-1].keep
			continue
		case endifRE.MatchString(line) && len(stack) > 0:
			ours := stack[len(stack)-1].ours
			stack = stack[:len(stack)-1]
			if ours {
				continue
			}
		case includeRE.MatchString(line):
			continue
		}
		if keeping() {
			if strings.Contains(line, macro) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				return "", bad(macro + " used outside `#if " + macro + "`")
			}
			out.WriteString(line)
		}
	}
	if len(stack) != 0 {
		return "", fmt.Errorf("%s: unterminated conditional", name)
	}
	return out.String(), nil
}

func main() {
	from := flag.String("from", "", "the embedded core (third_party/libcoro)")
	to := flag.String("to", "", "output directory (include/ and src/ are written under it)")
	headers := flag.String("headers", "", "upstream's header list (tools/external/upstream_headers.txt): install only those")
	flag.Parse()
	if *from == "" || *to == "" {
		flag.Usage()
		os.Exit(2)
	}
	n := 0
	for _, sub := range []string{"include", "src"} {
		root := filepath.Join(*from, sub)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(*from, p)
			if filepath.Base(p) == "gocoro_extensions.hpp" {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			text, err := strip(rel, string(data))
			if err != nil {
				return err
			}
			dst := filepath.Join(*to, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			n++
			return os.WriteFile(dst, []byte(text), 0o644)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "unextend:", err)
			os.Exit(1)
		}
	}
	if *headers != "" {
		list, err := readHeaderList(*headers)
		if err == nil {
			err = onlyUpstreamHeaders(*to, list)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "unextend:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("unextend: %d files without gocoro extensions in %s\n", n, *to)
}
