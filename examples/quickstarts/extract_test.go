package quickstarts

import (
	"slices"
	"strings"
	"testing"
)

// The rules of TestREADMEQuickstartsCompile, on a made-up README.
func TestQuickstartsSelection(t *testing.T) {
	md := strings.Join([]string{
		"# tool", // 1
		"```go",  // 2
		"x := 1 // not a quickstart: no heading, no marker, no package",
		"```",
		"## Quickstart", // 5
		"Prose.",
		"```sh", // 7
		"go get example.com/x",
		"```",
		"### Gin", // 10
		"```go",   // 11
		"a := 1",  // 12: under Quickstart > Gin
		"```",
		"## Options", // 14
		"```go",
		"b := 2 // not a quickstart: the Quickstart section ended",
		"```",
		"<!-- quickstart: Example -->", // 18
		"",
		"````go",       // 20: a longer fence, right after the marker
		"c := \"```\"", // 21
		"````",
		"Text resets the marker.",
		"<!-- quickstart -->",
		"Like this.",
		"```go",
		"d := 4",
		"```",
		"```go",        // 29
		"package main", // 30: a complete program counts anywhere
		"func main() {}",
		"```",
		"```go",
		"package other", // not main
		"```",
	}, "\n")
	var got []int
	for _, b := range quickstarts([]byte(md)) {
		got = append(got, b.line)
	}
	want := []int{12, 21, 30}
	if !slices.Equal(got, want) {
		t.Fatalf("quickstart lines = %v, want %v", got, want)
	}
}

func TestMakeProgram(t *testing.T) {
	tests := []struct {
		name, code string
		want       []string // substrings of the program
		wantErr    string
	}{{
		name: "statements get func main and the imports they use",
		code: "client, err := clerk.NewFromEnv()\nif err != nil {\n\tlog.Fatal(err)\n}\nr := gin.Default()\nr.Use(clerkgin.Middleware(client))\n_ = http.StatusOK",
		want: []string{
			"package main\n\nimport (\n",
			`clerk "github.com/clerkguard/clerkguard/core"`,
			`clerkgin "github.com/clerkguard/clerkguard/gin"`,
			`"github.com/gin-gonic/gin"`, `"log"`, `"net/http"`,
			"func main() {\n//line /r/README.md:7\nclient, err",
		},
	}, {
		name: "declarations stay declarations",
		code: "func main() {\n\tfmt.Println(\"hi\")\n}",
		want: []string{"import (\n\t\"fmt\"\n)", "//line /r/README.md:7\nfunc main() {"},
	}, {
		name: "a fragment's own imports are kept as they are",
		code: "import \"fmt\"\n\nfunc main() { fmt.Println(strings.ToUpper(\"x\")) }",
		want: []string{"package main\n\n//line /r/README.md:7\nimport \"fmt\""},
	}, {
		name: "a complete program is built as written",
		code: "package main\n\nfunc main() {}",
		want: []string{"//line /r/README.md:7\npackage main\n\nfunc main() {}"},
	}, {
		name:    "a name no import provides is reported",
		code:    "frobnicate.Now()\nx := undefinedThing",
		wantErr: "uses frobnicate, undefinedThing, declared nowhere",
	}, {
		name:    "not Go",
		code:    "$ go run .",
		wantErr: "neither a Go file, nor declarations, nor statements",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := makeProgram("/r/README.md", block{line: 7, code: tt.code})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(src, w) {
					t.Errorf("program lacks %q:\n%s", w, src)
				}
			}
		})
	}
}
