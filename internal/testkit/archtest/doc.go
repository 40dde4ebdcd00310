// Package archtest holds the test that keeps docs/ARCHITECTURE.md true:
// every package imports only what its row of "Who may import what" allows.
package archtest
