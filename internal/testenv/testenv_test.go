package testenv_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/internal/testenv"
)

func TestLookPathFindsAProgram(t *testing.T) {
	if p := testenv.LookPath(t, "go", "install Go"); p == "" {
		t.Fatal("go has an empty path")
	}
}

func TestLookPathMissing(t *testing.T) {
	if testenv.InCI() {
		t.Skip("under CI=true a missing program fails the test, which this test cannot show without failing")
	}
	t.Run("missing", func(t *testing.T) {
		testenv.LookPath(t, "dmicro-no-such-program", "nothing installs it")
		t.Fatal("LookPath returned for a missing program instead of skipping")
	})
}
