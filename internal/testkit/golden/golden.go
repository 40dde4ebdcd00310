// Package golden holds the one convention every golden-file test in the
// repository follows: QMPWATCH_UPDATE=1 rewrites the expected files from what
// the code produces today, instead of comparing with them.
//
//	QMPWATCH_UPDATE=1 go test ./...
//
// An environment variable rather than a -update flag, because `go test ./...
// -args -update` fails in every package that does not define the flag.
package golden

import (
	"os"
	"testing"
)

// EnvVar is the environment variable that turns comparing into rewriting.
const EnvVar = "QMPWATCH_UPDATE"

// Update reports whether golden files are to be rewritten in this run.
func Update() bool {
	v := os.Getenv(EnvVar)
	return v != "" && v != "0"
}

// Check compares got with the file at path, or rewrites the file when
// Update() says so. A difference is a test error that shows both texts.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with %s=1 to create it)", err, EnvVar)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run with %s=1 to accept it):\n got:\n%s\nwant:\n%s", path, EnvVar, got, want)
	}
}
