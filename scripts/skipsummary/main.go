// Command skipsummary prints, at the end of `make test`, what was not tested
// for want of a real part: the skips that internal/testkit/realpart recorded in the
// file given as its argument.
package main

import (
	"fmt"
	"os"

	"github.com/qmpwatch/qmpwatch/internal/testkit/realpart"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: skipsummary FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		return // nothing was skipped
	}
	defer f.Close()
	for _, l := range realpart.Summary(f) {
		fmt.Println(l)
	}
}
