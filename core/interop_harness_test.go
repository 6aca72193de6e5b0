package clerk

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The harness the differential tests against Clerk's JavaScript share (the
// interop tests of this package and of package clerk_test). They run only
// with CLERKGUARD_INTEROP=1, which `make interop` sets after `npm ci` in
// interop/.

// InteropScript skips t unless CLERKGUARD_INTEROP=1, fails it when node or
// one of the @clerk packages the script needs is missing, and returns the
// absolute path of interop/<script>.
func InteropScript(t testing.TB, script string, packages ...string) string {
	t.Helper()
	if os.Getenv("CLERKGUARD_INTEROP") != "1" {
		t.Skip("differential test against Clerk's JavaScript: set CLERKGUARD_INTEROP=1 (make interop does; needs node and `npm ci` in interop/)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("CLERKGUARD_INTEROP=1 but node is not installed: %v", err)
	}
	path, err := filepath.Abs(filepath.Join("..", "interop", script))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packages {
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "node_modules", "@clerk", p)); err != nil {
			t.Fatalf("@clerk/%s is not installed next to %s: run `npm ci` in interop/ (%v)", p, path, err)
		}
	}
	return path
}

// RunInterop writes in as JSON, runs `node script <in> <out>` from the
// script's folder while meanwhile (when not nil) runs, and decodes the
// script's JSON answer into out.
func RunInterop(t testing.TB, script string, in, out any, meanwhile func()) {
	t.Helper()
	dir := t.TempDir()
	inFile, outFile := filepath.Join(dir, "corpus.json"), filepath.Join(dir, "results.json")
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, inFile, outFile)
	cmd.Dir = filepath.Dir(script)
	done := make(chan struct{})
	var msg []byte
	var nodeErr error
	go func() {
		defer close(done)
		msg, nodeErr = cmd.CombinedOutput()
	}()
	if meanwhile != nil {
		meanwhile()
	}
	<-done
	if nodeErr != nil {
		t.Fatalf("node %s: %v\n%s", script, nodeErr, msg)
	}
	raw, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("the answer of %s: %v", filepath.Base(script), err)
	}
}
