package quickstarts

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdapterQuickstartsMatchExamples: each adapter README's quickstart
// (the block after "<!-- quickstart: Example in example_test.go -->") is the
// body of the adapter's Example function, at most 20 lines; and the root
// README shows each of them verbatim. TestREADMEQuickstartsCompile builds
// them; this keeps them from drifting apart.
func TestAdapterQuickstartsMatchExamples(t *testing.T) {
	repoRoot := filepath.Dir(moduleRoot(t))
	rootREADME, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, adapter := range []string{"gin", "echo", "chi", "fiber"} {
		t.Run(adapter, func(t *testing.T) {
			dir := filepath.Join(repoRoot, adapter)
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			_, rest, ok := strings.Cut(string(readme), "<!-- quickstart: Example in example_test.go -->\n```go\n")
			quick, _, ok2 := strings.Cut(rest, "```")
			if !ok || !ok2 {
				t.Fatal("README.md has no quickstart block")
			}
			if n := strings.Count(quick, "\n"); n > 20 {
				t.Fatalf("the quickstart has %d lines, want at most 20", n)
			}
			if body := exampleBody(t, filepath.Join(dir, "example_test.go")); body != quick {
				t.Fatalf("README quickstart differs from Example:\n--- README\n%s--- Example\n%s", quick, body)
			}
			if !strings.Contains(string(rootREADME), "```go\n"+quick+"```") {
				t.Errorf("the root README does not show %s's quickstart verbatim", adapter)
			}
		})
	}
}

// exampleBody is the body of func Example in path, unindented once.
func exampleBody(t *testing.T, path string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "Example" {
			body := string(src[fset.Position(fn.Body.Lbrace).Offset+2 : fset.Position(fn.Body.Rbrace).Offset])
			return strings.ReplaceAll("\n"+body, "\n\t", "\n")[1:]
		}
	}
	t.Fatalf("%s has no Example function", path)
	return ""
}
