package rpc

import "sync"

// bodyPool keeps the buffers replies are encoded into. Unlike the frame
// pool's size classes, a buffer here keeps whatever capacity encoding grew
// it to, so that steady traffic encodes without allocating.
var bodyPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// maxPooledBody is the largest buffer given back to the pool; larger ones
// are left to the garbage collector so that one big reply does not pin
// memory.
const maxPooledBody = 64 << 10

func getBody() *[]byte { return bodyPool.Get().(*[]byte) }

func putBody(b *[]byte) {
	if cap(*b) > maxPooledBody {
		return
	}
	*b = (*b)[:0]
	bodyPool.Put(b)
}
