//go:build profile

package main

import "github.com/qmpwatch/qmpwatch/internal/profile"

// Built only with -tags profile: QMPWATCH_CPUPROFILE=FILE profiles this
// run from its launch (internal/profile).
func init() { profile.FromEnv() }
