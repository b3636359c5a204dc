package event

import (
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// The topics the [Plugin] publishes, all under "rpc.": subscribe to
// "rpc.**" for all of them, "rpc.call.*" for both sides of calls.
const (
	// TopicConnected: a session was accepted or dialed (also redialed).
	// Data is a SessionEvent.
	TopicConnected = "rpc.session.connected"
	// TopicDisconnected: a session's connection ended. Data is a
	// SessionEvent whose Err says why (nil for a local Close or a graceful
	// end).
	TopicDisconnected = "rpc.session.disconnected"
	// TopicDialFailed: a dial or redial attempt failed. Data is a
	// DialEvent.
	TopicDialFailed = "rpc.dial.failed"
	// TopicCallServed: the endpoint answered a call: its reply was handed
	// to the connection. Data is a CallEvent whose Duration runs from the
	// call being read to the reply being written.
	TopicCallServed = "rpc.call.served"
	// TopicCallReturned: a call the endpoint made returned to its caller.
	// Data is a CallEvent whose Duration runs from Session.Call to its
	// return.
	TopicCallReturned = "rpc.call.returned"
	// TopicPushReceived: a push was read and is about to be handled. Data
	// is a PushEvent.
	TopicPushReceived = "rpc.push.received"
	// TopicPushSent: a push the endpoint sent was queued for the wire, or
	// failed. Data is a PushEvent.
	TopicPushSent = "rpc.push.sent"
)

// SessionEvent is the Data of TopicConnected and TopicDisconnected.
type SessionEvent struct {
	// Session is the session; Session.Dialed tells a dialed one from an
	// accepted one.
	Session *rpc.Session
	// Redial is set when a dialed session reconnected by its RedialPolicy.
	Redial bool
	// Err is why the connection ended: nil for a local Close or a
	// graceful end, and always nil on TopicConnected.
	Err error
}

// DialEvent is the Data of TopicDialFailed.
type DialEvent struct {
	// Addr is the address dialed.
	Addr string
	// Redial is set for an attempt to reconnect a session.
	Redial bool
	// Err is why the attempt failed.
	Err error
}

// CallEvent is the Data of TopicCallServed and TopicCallReturned.
type CallEvent struct {
	// Session is the session the call travelled on.
	Session *rpc.Session
	// Method is the call's path, such as "/math/add".
	Method string
	// Code is the call's result: 0 for success, else the code of Err.
	Code rpc.Code
	// Err is the call's error status; nil for success.
	Err error
	// Duration is how long the call took; see each topic.
	Duration time.Duration
}

// PushEvent is the Data of TopicPushReceived and TopicPushSent.
type PushEvent struct {
	// Session is the session the push travelled on.
	Session *rpc.Session
	// Method is the push's path.
	Method string
	// Code is 0 for a push received or sent, else (for a push that could
	// not be sent) the code of Err.
	Code rpc.Code
	// Err is why a push could not be sent; nil otherwise.
	Err error
}
