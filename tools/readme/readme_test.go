// Package readme checks that README.md's Go snippets compile as shown.
package readme

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Each ```go block of README.md is the body of a func(ctx context.Context) error; tp, s, clientCtx and handler
// are package variables the snippets may use (the README says so above its first snippet).
const header = `package snippets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/dns"
	"github.com/gocoro/gocoro/net/ip"
	"github.com/gocoro/gocoro/net/server"
	"github.com/gocoro/gocoro/net/tcp"
	"github.com/gocoro/gocoro/net/tls"
	"github.com/gocoro/gocoro/net/udp"
)

// Keeps every import used whichever packages the snippet needs.
var (
	_ = errors.Join
	_ = fmt.Println
	_ = http.Serve
	_ = time.Second
	_ = coro.NewEvent
	_ = dns.NewResolver
	_ = ip.Parse
	_ = server.Echo
	_ = tcp.Listen
	_ = tls.NewContext
	_ = udp.Listen
)

`

const vars = `package snippets

import (
	"net/http"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tls"
)

var (
	tp        *coro.ThreadPool
	s         *coro.IOScheduler
	clientCtx *tls.Context
	handler   http.Handler
)
`

var goBlock = regexp.MustCompile("(?ms)^```go\n(.*?)^```\n")

func TestREADMESnippetsCompile(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlock.FindAllSubmatchIndex(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("no ```go blocks in README.md")
	}
	dir, err := filepath.Abs("snippets")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	replace := map[string]string{}
	add := func(name, content string) {
		src := filepath.Join(tmp, name)
		if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(dir, name)] = src
	}
	add("vars.go", vars)
	for i, b := range blocks {
		line := 1 + strings.Count(string(readme[:b[2]]), "\n")
		body := string(readme[b[2]:b[3]])
		// //line makes compile errors point at README.md's own lines.
		add(fmt.Sprintf("snippet%d.go", i), fmt.Sprintf("%sfunc snippet%d(ctx context.Context) error {\n//line README.md:%d\n%s\treturn nil\n}\n",
			header, i, line, body))
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "build", "-overlay", overlayFile, "./snippets").CombinedOutput()
	if err != nil {
		t.Fatalf("README.md's Go snippets do not compile:\n%s", out)
	}
	t.Logf("%d snippets compile", len(blocks))
}
