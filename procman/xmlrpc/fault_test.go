package xmlrpc_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// supervisorFaults are the codes of the Faults class of supervisord 4.2.5's
// supervisor/xmlrpc.py. TestSupervisorModule checks them against the
// installed source when it is there.
var supervisorFaults = map[string]int{
	"UNKNOWN_METHOD":        xmlrpc.FaultUnknownMethod,
	"INCORRECT_PARAMETERS":  xmlrpc.FaultIncorrectParameters,
	"BAD_ARGUMENTS":         xmlrpc.FaultBadArguments,
	"SIGNATURE_UNSUPPORTED": xmlrpc.FaultSignatureUnsupported,
	"SHUTDOWN_STATE":        xmlrpc.FaultShutdownState,
	"BAD_NAME":              xmlrpc.FaultBadName,
	"BAD_SIGNAL":            xmlrpc.FaultBadSignal,
	"NO_FILE":               xmlrpc.FaultNoFile,
	"NOT_EXECUTABLE":        xmlrpc.FaultNotExecutable,
	"FAILED":                xmlrpc.FaultFailed,
	"ABNORMAL_TERMINATION":  xmlrpc.FaultAbnormalTermination,
	"SPAWN_ERROR":           xmlrpc.FaultSpawnError,
	"ALREADY_STARTED":       xmlrpc.FaultAlreadyStarted,
	"NOT_RUNNING":           xmlrpc.FaultNotRunning,
	"SUCCESS":               xmlrpc.FaultSuccess,
	"ALREADY_ADDED":         xmlrpc.FaultAlreadyAdded,
	"STILL_RUNNING":         xmlrpc.FaultStillRunning,
	"CANT_REREAD":           xmlrpc.FaultCantReread,
}

func TestFaultCodes(t *testing.T) {
	want := map[string]int{
		"UNKNOWN_METHOD": 1, "INCORRECT_PARAMETERS": 2, "BAD_ARGUMENTS": 3, "SIGNATURE_UNSUPPORTED": 4,
		"SHUTDOWN_STATE": 6, "BAD_NAME": 10, "BAD_SIGNAL": 11, "NO_FILE": 20, "NOT_EXECUTABLE": 21,
		"FAILED": 30, "ABNORMAL_TERMINATION": 40, "SPAWN_ERROR": 50, "ALREADY_STARTED": 60,
		"NOT_RUNNING": 70, "SUCCESS": 80, "ALREADY_ADDED": 90, "STILL_RUNNING": 91, "CANT_REREAD": 92,
	}
	for name, code := range want {
		if supervisorFaults[name] != code {
			t.Errorf("%s = %d, want %d", name, supervisorFaults[name], code)
		}
		if got := xmlrpc.FaultName(code); got != name {
			t.Errorf("FaultName(%d) = %q, want %q", code, got, name)
		}
	}
	for _, code := range []int{0, 5, 12, 31, 99, -1} {
		if got := xmlrpc.FaultName(code); got != "UNKNOWN" {
			t.Errorf("FaultName(%d) = %q, want UNKNOWN", code, got)
		}
	}
}

func TestFaultStrings(t *testing.T) {
	if f := xmlrpc.NewFault(xmlrpc.FaultNotRunning); f.Code != 70 || f.String != "NOT_RUNNING" {
		t.Errorf("NewFault = %+v", f)
	}
	if f := xmlrpc.Faultf(xmlrpc.FaultBadName, "%s:%s", "web", "web_0"); f.Code != 10 || f.String != "BAD_NAME: web:web_0" {
		t.Errorf("Faultf = %+v", f)
	}
	if f := xmlrpc.Faultf(1234, "x"); f.String != "UNKNOWN: x" {
		t.Errorf("Faultf of an unknown code = %+v", f)
	}
	if got := xmlrpc.Faultf(xmlrpc.FaultSpawnError, "web").Error(); got != "xmlrpc: fault 50: SPAWN_ERROR: web" {
		t.Errorf("Error() = %q", got)
	}
}

func TestFaultOf(t *testing.T) {
	f := xmlrpc.Faultf(xmlrpc.FaultBadName, "x")
	if xmlrpc.FaultOf(nil) != nil {
		t.Error("FaultOf(nil) is not nil")
	}
	if got := xmlrpc.FaultOf(fmt.Errorf("starting: %w", f)); got != f {
		t.Errorf("FaultOf(wrapped fault) = %v", got)
	}
	got := xmlrpc.FaultOf(errors.New("disk full"))
	if got.Code != xmlrpc.FaultFailed || got.String != "FAILED: disk full" {
		t.Errorf("FaultOf(plain error) = %+v", got)
	}
}
