package main

// Upstream's header set: the stand-in installs only the headers upstream libcoro v0.14.1 has. The embedded core's
// other headers are either v0.16 additions that nothing upstream-shaped needs (dropped with the lines that include
// them) or internals an upstream-named header or library source needs (inlined where they are included, under an
// include guard, since upstream has its own internals under other names).

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

var (
	coroIncludeRE = regexp.MustCompile(`^\s*#\s*include\s*["<]coro/([^">]+)[">]`)
	nonWordRE     = regexp.MustCompile(`[^A-Za-z0-9]`)
)

// headerList is tools/external/upstream_headers.txt: a path relative to include/coro per line is a header
// upstream has; "-PATH" is a v0.16 header of the embedded core to drop.
type headerList struct {
	upstream map[string]bool
	drop     map[string]bool
}

func readHeaderList(path string) (headerList, error) {
	l := headerList{upstream: map[string]bool{}, drop: map[string]bool{}}
	f, err := os.Open(path)
	if err != nil {
		return l, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "-"):
			l.drop[strings.TrimSpace(line[1:])] = true
		default:
			l.upstream[line] = true
		}
	}
	return l, s.Err()
}

// guardName is the include guard of an inlined internal header.
func guardName(header string) string {
	return "LIBCORO_INLINED_" + strings.ToUpper(nonWordRE.ReplaceAllString(header, "_"))
}

// inliner rewrites files so that they include only upstream's headers.
type inliner struct {
	list    headerList
	headers map[string]string // include/coro path -> text (after strip)
}

// rewrite returns text with every include of a dropped header removed and every include of another non-upstream
// header replaced by that header's (rewritten) text; stack is the chain of headers being inlined, for cycles.
func (in *inliner) rewrite(name, text string, stack []string) (string, error) {
	var out strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		m := coroIncludeRE.FindStringSubmatch(line)
		if len(stack) > 0 && strings.TrimSpace(line) == "#pragma once" {
			continue
		}
		if m == nil || in.list.upstream[m[1]] {
			out.WriteString(line)
			continue
		}
		h := m[1]
		if in.list.drop[h] {
			continue
		}
		body, ok := in.headers[h]
		if !ok {
			return "", fmt.Errorf("%s includes coro/%s, which the core does not have", name, h)
		}
		for _, s := range stack {
			if s == h {
				return "", fmt.Errorf("%s: include cycle through coro/%s", name, h)
			}
		}
		inlined, err := in.rewrite(h, body, append(stack, h))
		if err != nil {
			return "", err
		}
		g := guardName(h)
		fmt.Fprintf(&out, "// coro/%s (a gocoro internal, inlined)\n#ifndef %s\n#define %s\n%s#endif\n", h, g, g, inlined)
	}
	return out.String(), nil
}

// onlyUpstreamHeaders rewrites the stripped tree under dir (include/ and src/) so that include/coro holds only the
// headers of list.upstream and no file includes any other.
func onlyUpstreamHeaders(dir string, list headerList) error {
	incl := filepath.Join(dir, "include", "coro")
	in := &inliner{list: list, headers: map[string]string{}}
	var files []string
	for _, sub := range []string{"include", "src"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			files = append(files, p)
			if rel, err := filepath.Rel(incl, p); err == nil && !strings.HasPrefix(rel, "..") {
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				in.headers[filepath.ToSlash(rel)] = string(data)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for h := range list.upstream {
		if _, ok := in.headers[h]; !ok && h != "export.hpp" {
			return fmt.Errorf("the core has no coro/%s, which upstream has", h)
		}
	}
	sort.Strings(files)
	for _, p := range files {
		rel, _ := filepath.Rel(incl, p)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "..") && !list.upstream[rel] {
			if err := os.Remove(p); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text, err := in.rewrite(p, string(data), nil)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return err
		}
	}
	// Directories left empty (v16/, ...), deepest first.
	var dirs []string
	err := filepath.WalkDir(incl, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != incl {
			dirs = append(dirs, p)
		}
		return err
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		if entries, _ := os.ReadDir(d); len(entries) == 0 {
			if err := os.Remove(d); err != nil {
				return err
			}
		}
	}
	return err
}
