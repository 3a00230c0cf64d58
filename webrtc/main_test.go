// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// net/http keeps idle client connections to the test servers,
		// closed by their own timers.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}
