package securebody

import "github.com/dmicro-go/dmicro/rpc"

// Required returns the plugin that lets only sealed calls and pushes reach
// the handlers it guards. Give it to a route, a group or the endpoint
// (once: the rpc package refuses a plugin name given twice on one route):
//
//	router.HandleCall("/account/balance", h, securebody.Required())
//	secret, err := router.Group("/secret", securebody.Required())
//
// A call whose body was not sealed with the endpoint's key is answered
// with CodeUnauthorized, its handler not run; such a push is dropped. A
// call with an empty body is not sealed either (see
// [Plugin.BeforeWritePush]). The check reads the filters the frame lists,
// not [MetaKey]: a body that the endpoint opened with the sealing filter
// passes, flag or no flag. Use it beside a [Plugin] with the same key on
// the endpoint, which opens what was sealed; without one, sealed calls
// fail with CodeBadMessage (unknown transfer filter) before they get here.
func Required() rpc.Plugin { return required{} }

type required struct{}

var (
	_ rpc.BeforeReadCallBodyHook = required{}
	_ rpc.BeforeReadPushBodyHook = required{}
)

func (required) Name() string { return "securebody-required" }

func (required) BeforeReadCallBody(m *rpc.Message) error { return requireSealed(m, "call") }

func (required) BeforeReadPushBody(m *rpc.Message) error { return requireSealed(m, "push") }

// requireSealed refuses a call or push whose body was not sealed.
func requireSealed(m *rpc.Message, what string) error {
	if Sealed(m.Filters()) {
		return nil
	}
	return rpc.Errorf(rpc.CodeUnauthorized, "%w: %s takes only sealed bodies, and this %s was sent in the clear", ErrNotSealed, m.ServiceMethod(), what)
}
