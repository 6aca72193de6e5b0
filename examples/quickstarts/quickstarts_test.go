package quickstarts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestREADMEQuickstartsCompile builds every README quickstart of the
// repository.
//
// Why build rather than compare with an Example function: the adapters'
// own tests already keep their README block identical to their Example
// (the <!-- quickstart: Example in example_test.go --> marker), but a
// comparison proves nothing for a block without a twin, such as the root
// README's quickstarts, and breaks on harmless differences. Compiling is
// what a reader relies on, it needs no convention from the README's author,
// and it also catches a twin that drifted from the API.
//
// What counts as a quickstart, in README.md and every */README.md:
//
//   - a ```go block that is a complete program (package main): built as
//     written;
//   - a ```go block under a heading containing "Quickstart" (at any depth
//     below it), or right after an HTML comment containing "quickstart":
//     a fragment, made a program the way its README says to read it: the
//     statements of main (or, when it declares func main itself, the
//     declarations of package main), with the imports of the packages it
//     uses but does not declare, from knownImports. A fragment with import
//     declarations of its own keeps exactly those.
//
// Other blocks (option snippets, error handlers that refer to an e or r of
// the surrounding prose) are not programs and are left alone. A README with
// a Quickstart heading but no quickstart found fails the test, so a
// renamed fence language cannot silently drop a check.
//
// The programs are compiled together, in a temporary directory inside the
// examples module (which requires every clerkguard module and framework),
// with //line directives so that compiler errors name the README line.
func TestREADMEQuickstartsCompile(t *testing.T) {
	modRoot := moduleRoot(t)
	repoRoot := filepath.Dir(modRoot)
	readmes, err := filepath.Glob(filepath.Join(repoRoot, "*", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readmes = append([]string{filepath.Join(repoRoot, "README.md")}, readmes...)

	var progs []program
	for _, path := range readmes {
		md, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot, path)
		qs := quickstarts(md)
		if len(qs) == 0 && quickstartHeading.Match(md) {
			t.Errorf("%s has a Quickstart heading but no ```go quickstart block", rel)
		}
		for _, b := range qs {
			src, err := makeProgram(path, b)
			if err != nil {
				t.Errorf("%s:%d: %v", rel, b.line, err)
				continue
			}
			progs = append(progs, program{name: fmt.Sprintf("%s:%d", rel, b.line), src: src})
		}
	}
	if len(progs) == 0 {
		t.Fatal("no README quickstart found: the extraction is broken")
	}
	if t.Failed() {
		return
	}

	dir, err := os.MkdirTemp(modRoot, ".quickstarts-") // ignored by ./... and .gitignore
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := []string{"build"}
	for i, p := range progs {
		pkg := fmt.Sprintf("q%02d", i+1)
		if err := os.Mkdir(filepath.Join(dir, pkg), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, pkg, "main.go"), []byte(p.src), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "./"+pkg)
		t.Logf("quickstart %s (%s)", p.name, pkg)
	}

	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout(t))
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README quickstarts do not compile (go %s): %v\n%s", strings.Join(args, " "), err, out)
	}
}

// buildTimeout leaves the go build some of the test's own deadline, so a
// stuck build fails with its output rather than as a test-binary panic.
func buildTimeout(t *testing.T) time.Duration {
	d := 5 * time.Minute
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - 10*time.Second; left < d {
			d = left
		}
	}
	return d
}

// program is a quickstart made a buildable main package.
type program struct {
	name string // README path and line
	src  string
}

// block is a ```go block of a README, with the line of its first code line.
type block struct {
	line int
	code string
}

var (
	quickstartHeading = regexp.MustCompile(`(?im)^#{1,6}\s.*quickstart`)
	headingLine       = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)
)

// quickstarts returns the quickstart blocks of a Markdown document (see
// TestREADMEQuickstartsCompile for the rules).
func quickstarts(md []byte) []block {
	type heading struct {
		level int
		text  string
	}
	var (
		out      []block
		headings []heading
		marker   bool // an HTML comment naming a quickstart since the last text
	)
	lines := strings.Split(string(md), "\n")
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if fence, lang, ok := openFence(trimmed); ok {
			start := i + 1
			end := start
			for end < len(lines) && !closesFence(strings.TrimSpace(lines[end]), fence) {
				end++
			}
			code := strings.Join(lines[start:min(end, len(lines))], "\n")
			underQuickstart := slices.ContainsFunc(headings, func(h heading) bool {
				return strings.Contains(strings.ToLower(h.text), "quickstart")
			})
			if lang == "go" && (marker || underQuickstart || isProgram(code)) {
				out = append(out, block{line: start + 1, code: code})
			}
			marker = false
			i = end
			continue
		}
		switch m := headingLine.FindStringSubmatch(trimmed); {
		case m != nil:
			level := len(m[1])
			for len(headings) > 0 && headings[len(headings)-1].level >= level {
				headings = headings[:len(headings)-1]
			}
			headings = append(headings, heading{level, m[2]})
			marker = false
		case strings.HasPrefix(trimmed, "<!--") && strings.Contains(strings.ToLower(trimmed), "quickstart"):
			marker = true
		case trimmed != "":
			marker = false
		}
	}
	return out
}

// openFence reports whether line opens a backtick fence, with the fence
// and the first word of its info string.
func openFence(line string) (fence, lang string, ok bool) {
	n := len(line) - len(strings.TrimLeft(line, "`"))
	if n < 3 {
		return "", "", false
	}
	info := strings.Fields(line[n:])
	if len(info) > 0 {
		lang = info[0]
	}
	return line[:n], lang, true
}

func closesFence(line, fence string) bool {
	return strings.HasPrefix(line, fence) && strings.Trim(line, "`") == ""
}

// isProgram reports whether code is a Go file of package main.
func isProgram(code string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", code, parser.PackageClauseOnly)
	return err == nil && f.Name.Name == "main"
}

// knownImports are the packages a quickstart fragment may use without
// import lines, by the name it uses. The clerkguard packages take the
// aliases the documentation always shows.
var knownImports = map[string]string{
	// clerkguard
	"clerk":      `clerk "github.com/clerkguard/clerkguard/core"`,
	"clerkdev":   `"github.com/clerkguard/clerkguard/core/clerkdev"`,
	"clerktest":  `"github.com/clerkguard/clerkguard/core/clerktest"`,
	"clerkgin":   `clerkgin "github.com/clerkguard/clerkguard/gin"`,
	"clerkecho":  `clerkecho "github.com/clerkguard/clerkguard/echo"`,
	"clerkchi":   `clerkchi "github.com/clerkguard/clerkguard/chi"`,
	"clerkfiber": `clerkfiber "github.com/clerkguard/clerkguard/fiber"`,
	// frameworks
	"gin":   `"github.com/gin-gonic/gin"`,
	"echo":  `"github.com/labstack/echo/v4"`,
	"chi":   `"github.com/go-chi/chi/v5"`,
	"fiber": `"github.com/gofiber/fiber/v3"`,
	// standard library
	"context": `"context"`,
	"errors":  `"errors"`,
	"fmt":     `"fmt"`,
	"io":      `"io"`,
	"json":    `"encoding/json"`,
	"log":     `"log"`,
	"http":    `"net/http"`,
	"os":      `"os"`,
	"signal":  `"os/signal"`,
	"slog":    `"log/slog"`,
	"strings": `"strings"`,
	"time":    `"time"`,
}

// makeProgram returns the source of a main package for the quickstart b of
// the README at path, with a //line directive mapping its code to the
// README.
func makeProgram(path string, b block) (string, error) {
	directive := fmt.Sprintf("//line %s:%d\n", path, b.line)
	if isProgram(b.code) {
		return directive + b.code + "\n", nil
	}
	fset := token.NewFileSet()
	var body string
	decls := "package main\n" + b.code
	if _, err := parser.ParseFile(fset, "", decls, 0); err == nil {
		body = directive + b.code + "\n"
	} else {
		body = "func main() {\n" + directive + b.code + "\n}\n"
		if _, err2 := parser.ParseFile(fset, "", "package main\n"+body, 0); err2 != nil {
			return "", fmt.Errorf("neither a Go file, nor declarations, nor statements of func main:\n%v\n%v", err, err2)
		}
	}
	src := "package main\n\n" + body
	f, err := parser.ParseFile(fset, "", src, 0)
	if err != nil {
		return "", err
	}
	if len(f.Imports) > 0 {
		return src, nil // the fragment's own imports
	}
	names := undefinedNames(fset, f)
	var imports, unknown []string
	for _, name := range names {
		if spec, ok := knownImports[name]; ok {
			imports = append(imports, spec)
		} else {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return "", fmt.Errorf("uses %s, declared nowhere: add the package to knownImports in %s, or make the block a complete program",
			strings.Join(unknown, ", "), "examples/quickstarts/quickstarts_test.go")
	}
	if len(imports) == 0 {
		return src, nil
	}
	sort.Strings(imports)
	return "package main\n\nimport (\n\t" + strings.Join(imports, "\n\t") + "\n)\n\n" + body, nil
}

// undefinedNames type-checks f without imports and returns the names it
// reports undefined: the packages the fragment uses (and, if any, its
// genuine mistakes, which then fail the build with the README line).
func undefinedNames(fset *token.FileSet, f *ast.File) []string {
	seen := map[string]bool{}
	conf := types.Config{Error: func(err error) {
		var te types.Error
		if errors.As(err, &te) {
			if name, ok := strings.CutPrefix(te.Msg, "undefined: "); ok && token.IsIdentifier(name) {
				seen[name] = true
			}
		}
	}}
	_, _ = conf.Check("main", fset, []*ast.File{f}, nil)
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// moduleRoot is the directory of the examples module's go.mod.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(mod, []byte("module github.com/clerkguard/clerkguard/examples")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("the examples module's go.mod not found above the working directory")
		}
		dir = parent
	}
}
