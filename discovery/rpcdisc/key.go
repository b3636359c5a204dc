package rpcdisc

import "context"

type keyCtx struct{}

// WithKey returns a context whose calls through a Client go by key to a
// node, for selector.ConsistentHash: calls with the same key go to the same
// node while it is in the set. It takes precedence over ClientConfig.Key.
// Other strategies ignore the key.
func WithKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

func keyOf(ctx context.Context) string {
	k, _ := ctx.Value(keyCtx{}).(string)
	return k
}
