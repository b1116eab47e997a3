// Package amalgamate turns the native source manifest (tools/native/sources.txt) into every file derived from it:
// the amalgamated translation units that the cgo owner packages (internal/native and its sub-packages) compile,
// copies of the C ABI headers for the other packages' cgo preambles, one Go file per owner (cgo flags and a hash
// of what the owner compiles), and the fragments that tools/cxx.mk and Bazel read. `go run ./internal/cmd/amalgamate`
// writes them; the drift test in internal/native compares them with the checked-in files.
//
// An amalgamation inlines each source and every project header it includes (quoted includes found under the
// including file's directory, third_party/libcoro/include or the repository root), each header once per
// translation unit (again only where an earlier copy sits under an #if that may leave it out), so that the files
// Go's build cache hashes (those in the owner's directory) are all that is compiled. System headers stay #include
// lines.
package amalgamate

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ManifestPath is the manifest's path relative to the repository root.
const ManifestPath = "tools/native/sources.txt"

// RegenerateCommand is what a developer runs after editing a native source.
const RegenerateCommand = "go generate ./internal/native (= go run ./internal/cmd/amalgamate)"

// ExternalTag is the build tag under which libcoro itself (the manifest's `core` libraries) is not compiled: the
// shim is built against the user's installed libcoro instead (internal/native/native_external.go).
const ExternalTag = "libcoro_external"

// includeRoots are searched, after the including file's directory, for quoted includes.
var includeRoots = []string{"third_party/libcoro/include", "."}

// Library is one native library of the manifest.
type Library struct {
	Name    string   // manifest name, also the make variable stem
	Label   string   // Bazel label (//pkg:name)
	Srcs    []string // repository-relative
	Defines []string // this library's own macros (the global ones come on top)
	Links   []string // linker flags
	Core    bool     // part of libcoro itself (replaced under ExternalTag)
}

// Unit is one amalgamated translation unit of an owner.
type Unit struct {
	File      string // file name inside the owner directory
	Libraries []*Library
}

// Owner is a Go package that compiles native code.
type Owner struct {
	Dir   string // repository-relative package directory
	Units []Unit
}

// Headers is a set of C headers copied into Dir, keeping their repository-relative paths.
type Headers struct {
	Dir   string
	Globs []string
}

// Manifest is the parsed tools/native/sources.txt.
type Manifest struct {
	Defines   []string
	Libraries []*Library
	Owners    []*Owner
	Headers   []Headers
}

func (m *Manifest) library(name string) *Library {
	for _, l := range m.Libraries {
		if l.Name == name {
			return l
		}
	}
	return nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseManifest reads the manifest from the repository at root.
func ParseManifest(root string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(root, ManifestPath))
	if err != nil {
		return nil, err
	}
	m := &Manifest{}
	var lib *Library
	var owner *Owner
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", ManifestPath, n, fmt.Sprintf(format, args...))
		}
		indented := line[0] == ' ' || line[0] == '\t'
		if !indented {
			lib, owner = nil, nil
		}
		switch {
		case !indented && f[0] == "define" && len(f) == 2 && identRE.MatchString(f[1]):
			m.Defines = append(m.Defines, f[1])
		case !indented && f[0] == "library" && len(f) == 3 && strings.HasPrefix(f[2], "//") && strings.Contains(f[2], ":"):
			if !identRE.MatchString(f[1]) || m.library(f[1]) != nil {
				return nil, bad("library name %q is not a new identifier", f[1])
			}
			lib = &Library{Name: f[1], Label: f[2]}
			m.Libraries = append(m.Libraries, lib)
		case !indented && f[0] == "owner" && len(f) == 2:
			owner = &Owner{Dir: path.Clean(f[1])}
			m.Owners = append(m.Owners, owner)
		case !indented && f[0] == "headers" && len(f) >= 3:
			m.Headers = append(m.Headers, Headers{Dir: path.Clean(f[1]), Globs: f[2:]})
		case indented && lib != nil && f[0] == "src" && len(f) == 2:
			lib.Srcs = append(lib.Srcs, path.Clean(f[1]))
		case indented && lib != nil && f[0] == "define" && len(f) == 2 && identRE.MatchString(f[1]):
			lib.Defines = append(lib.Defines, f[1])
		case indented && lib != nil && f[0] == "link" && len(f) == 2:
			lib.Links = append(lib.Links, f[1])
		case indented && lib != nil && f[0] == "core" && len(f) == 1:
			lib.Core = true
		case indented && owner != nil && f[0] == "unit" && len(f) >= 3:
			u := Unit{File: f[1]}
			for _, name := range f[2:] {
				l := m.library(name)
				if l == nil {
					return nil, bad("unit %s: unknown library %q (libraries must be declared before their owner)", f[1], name)
				}
				u.Libraries = append(u.Libraries, l)
			}
			owner.Units = append(owner.Units, u)
		default:
			return nil, bad("cannot parse %q", strings.TrimSpace(line))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	used := map[string]string{}
	for _, o := range m.Owners {
		for _, u := range o.Units {
			for _, l := range u.Libraries {
				if prev, ok := used[l.Name]; ok {
					return nil, fmt.Errorf("%s: library %s is compiled twice (%s and %s/%s)", ManifestPath, l.Name, prev, o.Dir, u.File)
				}
				used[l.Name] = o.Dir + "/" + u.File
			}
		}
	}
	for _, l := range m.Libraries {
		if _, ok := used[l.Name]; !ok {
			return nil, fmt.Errorf("%s: library %s belongs to no owner (go build would not compile it)", ManifestPath, l.Name)
		}
		if len(l.Srcs) == 0 {
			return nil, fmt.Errorf("%s: library %s has no sources", ManifestPath, l.Name)
		}
	}
	return m, nil
}

// Generate returns every generated file (repository-relative path → content) for the repository at root.
func Generate(root string) (map[string][]byte, error) {
	m, err := ParseManifest(root)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	var headerFiles []string
	for _, h := range m.Headers {
		for _, g := range h.Globs {
			matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(g)))
			if err != nil {
				return nil, err
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("%s: headers %s: %s matches nothing", ManifestPath, h.Dir, g)
			}
			for _, match := range matches {
				rel, _ := filepath.Rel(root, match)
				rel = filepath.ToSlash(rel)
				src, err := os.ReadFile(match)
				if err != nil {
					return nil, err
				}
				dst := path.Join(h.Dir, rel)
				out[dst] = append([]byte(banner("//", "from "+rel)), src...)
				headerFiles = append(headerFiles, dst)
			}
		}
	}
	for _, o := range m.Owners {
		var compiled []string
		for _, u := range o.Units {
			text, err := amalgamateUnit(root, m, o, u, false)
			if err != nil {
				return nil, err
			}
			p := path.Join(o.Dir, u.File)
			out[p] = text
			compiled = append(compiled, p)
			if !hasShim(u) {
				continue
			}
			text, err = amalgamateUnit(root, m, o, u, true)
			if err != nil {
				return nil, err
			}
			p = path.Join(o.Dir, ExternalFile(u.File))
			out[p] = text
			compiled = append(compiled, p)
		}
		// Headers copied into an owner's directory tree are part of what its importers compile against.
		for _, h := range headerFiles {
			if strings.HasPrefix(h, o.Dir+"/") && !insideOtherOwner(m, o, h) {
				compiled = append(compiled, h)
			}
		}
		out[path.Join(o.Dir, GoFile)] = ownerGoFile(m, o, out, compiled)
	}
	out["tools/native/sources.mk"] = makeFragment(m)
	bzl, err := bazelFragment(m)
	if err != nil {
		return nil, err
	}
	out["tools/native/sources.bzl"] = bzl
	return out, nil
}

// ExternalFile names the amalgamation that replaces unit file under ExternalTag: its libraries other than libcoro's.
func ExternalFile(file string) string {
	ext := path.Ext(file)
	return strings.TrimSuffix(file, ext) + "_external" + ext
}

func hasShim(u Unit) bool {
	for _, l := range u.Libraries {
		if !l.Core {
			return true
		}
	}
	return false
}

// GoFile is the name of the generated Go file in each owner directory.
const GoFile = "native_generated.go"

func insideOtherOwner(m *Manifest, o *Owner, p string) bool {
	for _, other := range m.Owners {
		if other != o && len(other.Dir) > len(o.Dir) && strings.HasPrefix(p, other.Dir+"/") {
			return true
		}
	}
	return false
}

func banner(comment, from string) string {
	return fmt.Sprintf("%s Code generated by internal/cmd/amalgamate %s; DO NOT EDIT.\n%s Edit the original and run: %s\n",
		comment, from, comment, RegenerateCommand)
}

// unitDefines are the macros a unit is compiled with: the global ones, then its libraries' own.
func unitDefines(m *Manifest, u Unit) []string {
	seen := map[string]bool{}
	var ds []string
	add := func(d string) {
		if !seen[d] {
			seen[d] = true
			ds = append(ds, d)
		}
	}
	for _, d := range m.Defines {
		add(d)
	}
	for _, l := range u.Libraries {
		for _, d := range l.Defines {
			add(d)
		}
	}
	return ds
}

var (
	includeRE   = regexp.MustCompile(`^\s*#\s*include\s*(?:"([^"]+)"|<([^>]+/[^>]+)>)`)
	pragmaOnce  = regexp.MustCompile(`^\s*#\s*pragma\s+once\b`)
	condOpenRE  = regexp.MustCompile(`^\s*#\s*(if|ifdef|ifndef)\b\s*(\S*)`)
	condElseRE  = regexp.MustCompile(`^\s*#\s*(else|elif)\b`)
	condCloseRE = regexp.MustCompile(`^\s*#\s*endif\b`)
	defineRE    = regexp.MustCompile(`^\s*#\s*define\s+(\S+)`)
	directiveRE = regexp.MustCompile(`^\s*#`)
)

type unitWriter struct {
	root     string
	ownerDir string
	external bool            // libcoro's headers are the installed ones: never inlined
	defines  map[string]bool // the unit's macros: #ifdef on one of them is always taken
	buf      bytes.Buffer
	// included: headers inlined where they are always compiled (no enclosing #if); a header met again needs
	// nothing. A header inlined only under #if conditions is inlined again where met next unless that place is
	// under the same conditions (or more): see inlinedUnder. Every copy is wrapped in a guard macro so that the
	// first one the preprocessor keeps wins, as #pragma once would.
	included map[string]bool
	// inlinedUnder: for a header inlined under conditions, each set of conditions (see conditions) it was inlined
	// under. The feature macros the conditions test are set once for the unit, so a condition holds everywhere in
	// the unit or nowhere.
	inlinedUnder map[string][][]string
}

// neverDefined are macros that no compiler of an amalgamation predefines (cgo builds for Linux with gcc or clang):
// `#ifndef` on one of them is always taken.
var neverDefined = map[string]bool{"EMSCRIPTEN": true}

// alwaysTaken says whether a conditional directive's first branch is always compiled in the unit.
func (w *unitWriter) alwaysTaken(kind, macro string) bool {
	switch kind {
	case "ifdef":
		return w.defines[macro] || macro == "__cplusplus" // every unit is C++
	case "ifndef":
		return neverDefined[macro]
	}
	return false
}

// subsumed says whether conds already holds all the conditions of one of the sets in seen.
func subsumed(seen [][]string, conds []string) bool {
	have := map[string]bool{}
	for _, c := range conds {
		have[c] = true
	}
next:
	for _, s := range seen {
		for _, c := range s {
			if !have[c] {
				continue next
			}
		}
		return true
	}
	return false
}

// amalgamateUnit writes unit u of owner o, which builds only without ExternalTag (it inlines libcoro's sources or
// headers). With external set, it is the unit's variant for ExternalTag: without libcoro's sources, and with
// libcoro's headers left as #include lines for the installed libcoro.
func amalgamateUnit(root string, m *Manifest, o *Owner, u Unit, external bool) ([]byte, error) {
	w := &unitWriter{root: root, ownerDir: o.Dir, external: external, defines: map[string]bool{}, included: map[string]bool{},
		inlinedUnder: map[string][][]string{}}
	for _, d := range unitDefines(m, u) {
		w.defines[d] = true
	}
	var names []string
	for _, l := range u.Libraries {
		if !external || !l.Core {
			names = append(names, l.Name+" ("+l.Label+")")
		}
	}
	if external {
		fmt.Fprintf(&w.buf, "//go:build %s\n\n", ExternalTag)
	} else {
		fmt.Fprintf(&w.buf, "//go:build !%s\n\n", ExternalTag)
	}
	w.buf.WriteString(banner("//", "from "+ManifestPath))
	what := "with the project headers they include inlined"
	if external {
		what = "built with -tags " + ExternalTag + " against the installed libcoro (its headers are not inlined)"
	}
	fmt.Fprintf(&w.buf, "// One translation unit of %s: %s, %s.\n\n", o.Dir, strings.Join(names, ", "), what)
	for _, d := range unitDefines(m, u) {
		fmt.Fprintf(&w.buf, "#define %s 1\n", d)
	}
	for _, l := range u.Libraries {
		if external && l.Core {
			continue
		}
		for _, src := range l.Srcs {
			w.buf.WriteString("\n")
			if err := w.inline(src, nil); err != nil {
				return nil, err
			}
		}
	}
	return w.buf.Bytes(), nil
}

// lineName is how a #line directive names a repository file: relative to the owner directory, where the compiler
// runs, so that diagnostics and debug information point at the original.
func (w *unitWriter) lineName(p string) string {
	rel, err := filepath.Rel(filepath.FromSlash(w.ownerDir), filepath.FromSlash(p))
	if err != nil {
		return p
	}
	return filepath.ToSlash(rel)
}

// resolve finds a project header: a quoted include is looked up beside the including file first, then (as an
// <a/b> include) under includeRoots. Anything else is a system header and stays an #include.
func (w *unitWriter) resolve(from, name string, quoted bool) (string, bool) {
	if w.external && strings.HasPrefix(name, "coro/") {
		return "", false // the installed libcoro's header
	}
	var candidates []string
	if quoted {
		candidates = append(candidates, path.Join(path.Dir(from), name))
	}
	for _, r := range includeRoots {
		if w.external && r != "." {
			continue
		}
		candidates = append(candidates, path.Join(r, name))
	}
	for _, c := range candidates {
		if st, err := os.Stat(filepath.Join(w.root, filepath.FromSlash(c))); err == nil && !st.IsDir() {
			return c, true
		}
	}
	return "", false
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9]`)

func guardMacro(p string) string {
	return "GOCORO_AMALGAMATED_" + strings.ToUpper(nonIdent.ReplaceAllString(p, "_"))
}

// inline copies file p into the unit, replacing project includes by the headers' text. outer are the conditions
// of the including files under which p sits (nil: p is always compiled).
func (w *unitWriter) inline(p string, outer []string) error {
	data, err := os.ReadFile(filepath.Join(w.root, filepath.FromSlash(p)))
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	fmt.Fprintf(&w.buf, "#line 1 %q\n", w.lineName(p))
	// Conditional nesting inside p. Frames that cannot exclude an include do not count: a header's include
	// guard (#ifndef X / #define X as its first directives; the inlining does the same) and a branch that is always
	// taken (alwaysTaken). Every other frame is a condition, named by its directives so far (#if, then any
	// #else/#elif), which tells its branches apart and names the same test alike in every file.
	type frame struct {
		taken bool
		cond  string
	}
	var stack []frame
	conditions := func() []string {
		conds := append([]string(nil), outer...)
		for _, f := range stack {
			if !f.taken {
				conds = append(conds, f.cond)
			}
		}
		return conds
	}
	firstDirective, guardName := true, ""
	for i, line := range lines {
		if directiveRE.MatchString(line) {
			if guardName != "" {
				if d := defineRE.FindStringSubmatch(line); d != nil && d[1] == guardName && len(stack) == 1 {
					stack[0].taken = true
				}
				guardName = ""
			}
			directive := strings.Join(strings.Fields(line), " ")
			switch {
			case condOpenRE.MatchString(line):
				c := condOpenRE.FindStringSubmatch(line)
				stack = append(stack, frame{taken: w.alwaysTaken(c[1], c[2]), cond: directive})
				if firstDirective && c[1] == "ifndef" {
					guardName = c[2]
				}
			case condElseRE.MatchString(line) && len(stack) > 0:
				top := &stack[len(stack)-1]
				top.taken = false
				top.cond += " " + directive
			case condCloseRE.MatchString(line) && len(stack) > 0:
				stack = stack[:len(stack)-1]
			}
			firstDirective = false
		}
		if pragmaOnce.MatchString(line) {
			w.buf.WriteString("\n")
			continue
		}
		inc := includeRE.FindStringSubmatch(line)
		if inc == nil {
			w.buf.WriteString(line)
			w.buf.WriteString("\n")
			continue
		}
		name, quoted := inc[1], inc[1] != ""
		if !quoted {
			name = inc[2]
		}
		target, ok := w.resolve(p, name, quoted)
		if !ok {
			if quoted {
				return fmt.Errorf("%s:%d: #include %q: not found in the repository (system headers take <>)", p, i+1, name)
			}
			w.buf.WriteString(line)
			w.buf.WriteString("\n")
			continue
		}
		conds := conditions()
		if w.included[target] || subsumed(w.inlinedUnder[target], conds) {
			fmt.Fprintf(&w.buf, "// #include %q (inlined above)\n", name)
			continue
		}
		if len(conds) == 0 {
			w.included[target] = true
		} else {
			w.inlinedUnder[target] = append(w.inlinedUnder[target], conds)
		}
		guard := guardMacro(target)
		fmt.Fprintf(&w.buf, "// #include %q\n#ifndef %s\n#define %s\n", name, guard, guard)
		if err := w.inline(target, conds); err != nil {
			return err
		}
		fmt.Fprintf(&w.buf, "#endif // %s\n#line %d %q\n", guard, i+2, w.lineName(p))
	}
	return nil
}

func ownerGoFile(m *Manifest, o *Owner, out map[string][]byte, compiled []string) []byte {
	var links []string
	seen := map[string]bool{}
	for _, u := range o.Units {
		for _, l := range u.Libraries {
			for _, f := range l.Links {
				if !seen[f] {
					seen[f] = true
					links = append(links, f)
				}
			}
		}
	}
	links = append(links, "-lstdc++")
	sort.Strings(compiled)
	h := sha256.New()
	for _, p := range compiled {
		fmt.Fprintf(h, "%s %d\n", p, len(out[p]))
		h.Write(out[p])
	}
	var b bytes.Buffer
	b.WriteString(banner("//", "from "+ManifestPath))
	fmt.Fprintf(&b, "\npackage %s\n\n", path.Base(o.Dir))
	b.WriteString("// The feature macros are #defined at the top of each amalgamation, not here.\n\n")
	b.WriteString("// #cgo CXXFLAGS: -std=c++20 -O2\n")
	fmt.Fprintf(&b, "// #cgo LDFLAGS: %s\n", strings.Join(links, " "))
	b.WriteString("import \"C\"\n\n")
	b.WriteString("// SourceHash identifies the native code compiled here and the headers shipped here. Being exported, it is\n")
	b.WriteString("// part of the export data, so when any of those files changes every importing package is recompiled by\n")
	b.WriteString("// the go command (its cgo preamble may include the changed headers).\n")
	fmt.Fprintf(&b, "const SourceHash = %q\n", hex.EncodeToString(h.Sum(nil)))
	return b.Bytes()
}

func makeVar(name string) string { return "NATIVE_" + name }

func makeFragment(m *Manifest) []byte {
	var b bytes.Buffer
	b.WriteString(banner("#", "from "+ManifestPath))
	b.WriteString("# Included by tools/cxx.mk.\n\n")
	set := func(name string, values []string) {
		fmt.Fprintf(&b, "%s :=", name)
		for _, v := range values {
			fmt.Fprintf(&b, " \\\n    %s", v)
		}
		b.WriteString("\n")
	}
	set("NATIVE_DEFINES", dashD(m.Defines))
	for _, l := range m.Libraries {
		fmt.Fprintf(&b, "\n# %s\n", l.Label)
		set(makeVar(l.Name)+"_SRCS", l.Srcs)
		set(makeVar(l.Name)+"_DEFINES", dashD(l.Defines))
		set(makeVar(l.Name)+"_LIBS", l.Links)
	}
	return b.Bytes()
}

func dashD(ds []string) []string {
	var out []string
	for _, d := range ds {
		out = append(out, "-D"+d)
	}
	return out
}

// starlarkList formats a list as buildifier would at the given indentation: one item per line if more than one.
func starlarkList(items []string, indent string) string {
	switch len(items) {
	case 0:
		return "[]"
	case 1:
		return fmt.Sprintf("[%q]", items[0])
	}
	var b strings.Builder
	b.WriteString("[\n")
	for _, s := range items {
		fmt.Fprintf(&b, "%s    %q,\n", indent, s)
	}
	b.WriteString(indent + "]")
	return b.String()
}

func bazelFragment(m *Manifest) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(banner("#", "from "+ManifestPath))
	b.WriteString("\"\"\"The native libraries of tools/native/sources.txt, for tools/native/native.bzl.\"\"\"\n\n")
	fmt.Fprintf(&b, "NATIVE_DEFINES = %s\n\n", starlarkList(m.Defines, ""))
	b.WriteString("NATIVE_LIBRARIES = {\n")
	for _, l := range m.Libraries {
		pkg := strings.TrimPrefix(l.Label[:strings.IndexByte(l.Label, ':')], "//")
		var srcs []string
		for _, s := range l.Srcs {
			if !strings.HasPrefix(s, pkg+"/") {
				return nil, fmt.Errorf("%s: library %s: %s is outside its Bazel package %s", ManifestPath, l.Name, s, pkg)
			}
			srcs = append(srcs, strings.TrimPrefix(s, pkg+"/"))
		}
		fmt.Fprintf(&b, "    %q: struct(\n", l.Label)
		fmt.Fprintf(&b, "        srcs = %s,\n", starlarkList(srcs, "        "))
		fmt.Fprintf(&b, "        defines = %s,\n", starlarkList(l.Defines, "        "))
		fmt.Fprintf(&b, "        linkopts = %s,\n", starlarkList(l.Links, "        "))
		b.WriteString("    ),\n")
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// Stale lists files under the generated directories that the generator no longer produces (a removed header or
// unit), so that the check can flag them. The Go and Bazel files in a header directory are hand-kept: they make it
// a package, which `go mod vendor` needs in order to copy the headers (internal/native/include/cshim/doc.go).
func Stale(root string, generated map[string][]byte) ([]string, error) {
	m, err := ParseManifest(root)
	if err != nil {
		return nil, err
	}
	var stale []string
	check := func(p string) {
		if _, ok := generated[p]; !ok {
			stale = append(stale, p)
		}
	}
	for _, h := range m.Headers {
		err := filepath.WalkDir(filepath.Join(root, filepath.FromSlash(h.Dir)), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(d.Name(), ".go") || d.Name() == "BUILD.bazel" {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			check(filepath.ToSlash(rel))
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	for _, o := range m.Owners {
		entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(o.Dir)))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".cc") || strings.HasSuffix(n, ".cpp") || strings.HasSuffix(n, ".c")) {
				check(path.Join(o.Dir, n))
			}
		}
	}
	sort.Strings(stale)
	return stale, nil
}

// Diff compares the generated files with the ones in the repository at root and returns the paths that differ,
// are missing or are stale.
func Diff(root string) ([]string, error) {
	gen, err := Generate(root)
	if err != nil {
		return nil, err
	}
	var bad []string
	for p, want := range gen {
		have, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(have, want) {
			bad = append(bad, p)
		}
	}
	stale, err := Stale(root, gen)
	if err != nil {
		return nil, err
	}
	bad = append(bad, stale...)
	sort.Strings(bad)
	return bad, nil
}

// Write writes every generated file and removes stale ones.
func Write(root string) (changed []string, err error) {
	gen, err := Generate(root)
	if err != nil {
		return nil, err
	}
	stale, err := Stale(root, gen)
	if err != nil {
		return nil, err
	}
	for _, p := range stale {
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(p))); err != nil {
			return nil, err
		}
		changed = append(changed, p+" (removed)")
	}
	paths := make([]string, 0, len(gen))
	for p := range gen {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		if have, err := os.ReadFile(full); err == nil && bytes.Equal(have, gen[p]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, gen[p], 0o644); err != nil {
			return nil, err
		}
		changed = append(changed, p)
	}
	return changed, nil
}
