package clerk_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAttackNoVariableTimeSecretComparison: no secret (secret keys, machine
// secrets, refresh tokens, nonces, HMAC values, passwords) is compared with
// == or != in the library code; such comparisons must use
// crypto/subtle.ConstantTimeCompare. Comparisons with a literal ("" or nil)
// are emptiness checks and allowed.
func TestAttackNoVariableTimeSecretComparison(t *testing.T) {
	t.Parallel()
	// Secrets by meaning, and the short names they go by as the last part
	// of a name (sk, msk, tok, a token, a bearer credential). ("key" alone
	// is left out: it names JSON members and map keys far more often.)
	secretName := regexp.MustCompile(`(?i)(secret|password|refresh.?token|nonce|hmac|signature|` +
		`(^|\.)(sk|msk|tok|apikey|bearer|credential)$|(^|\.)[a-z]*token$)`)
	dirs := []string{".", "clerkdev", "clerktest"}
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		var files []*ast.File
		consts := map[string]bool{} // declared constants are names, not secrets
		for _, f := range paths {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(fset, f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, file)
			for _, d := range file.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.CONST {
					for _, spec := range gd.Specs {
						for _, n := range spec.(*ast.ValueSpec).Names {
							consts[n.Name] = true
						}
					}
				}
			}
		}
		for _, file := range files {
			checked++
			ast.Inspect(file, func(n ast.Node) bool {
				be, ok := n.(*ast.BinaryExpr)
				if !ok || (be.Op != token.EQL && be.Op != token.NEQ) {
					return true
				}
				if isLiteral(be.X, consts) || isLiteral(be.Y, consts) {
					return true
				}
				for _, side := range []ast.Expr{be.X, be.Y} {
					if name := exprName(side); name != "" && secretName.MatchString(name) {
						t.Errorf("%s: %s compared with %s; use crypto/subtle.ConstantTimeCompare",
							fset.Position(be.Pos()), name, be.Op)
					}
				}
				return true
			})
		}
	}
	if checked < 10 {
		t.Fatalf("only %d files checked; the test is not looking at the library", checked)
	}
}

// isLiteral reports operands that hold no secret: literals, declared
// constants, and lengths.
func isLiteral(e ast.Expr, consts map[string]bool) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return x.Name == "nil" || x.Name == "true" || x.Name == "false" || consts[x.Name]
	case *ast.SelectorExpr:
		// clerk.ReasonX and the like: exported constants of another package.
		if id, ok := x.X.(*ast.Ident); ok && id.Name == "clerk" {
			return true
		}
	case *ast.CallExpr:
		// len(x) == len(y) compares lengths, not contents.
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "len" {
			return true
		}
	}
	return false
}

func exprName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprName(x.X) + "." + x.Sel.Name
	case *ast.IndexExpr:
		return exprName(x.X)
	}
	// Calls return computed values (booleans, derived strings), not the
	// stored secrets this test is about.
	return ""
}
