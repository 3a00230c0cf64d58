// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vp9

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
