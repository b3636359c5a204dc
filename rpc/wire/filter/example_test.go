package filter_test

import (
	"fmt"
	"strings"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
)

func Example() {
	// A real key comes from a secret store, never from the source.
	sealer, err := filter.NewAESGCM([]byte("an example key, 32 bytes long..."))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sealer) // the key is never printed

	// The sender compresses, adds a checksum and seals, in that order,
	// and lists the ids of the filters that applied.
	filters := []wire.Filter{filter.Gzip{MinSize: 64}, filter.MD5{}, sealer}
	body := []byte(strings.Repeat(`{"item":"tea","qty":2},`, 10))
	var ids []byte
	for _, f := range filters {
		out, applied, err := f.Encode(nil, body)
		if err != nil {
			fmt.Println(err)
			return
		}
		if applied {
			body, ids = out, append(ids, f.ID())
		}
	}
	fmt.Printf("applied %q\n", ids)

	// The receiver undoes them in reverse, never producing more than the
	// limit.
	byID := map[byte]wire.Filter{}
	for _, f := range filters {
		byID[f.ID()] = f
	}
	const limit = 1 << 20
	for i := len(ids) - 1; i >= 0; i-- {
		out, err := byID[ids[i]].Decode(nil, body, limit)
		if err != nil {
			fmt.Println(err)
			return
		}
		body = out
	}
	fmt.Println(string(body[:46]), len(body))
	// Output:
	// aes-gcm(key redacted, 256-bit)
	// applied "z5a"
	// {"item":"tea","qty":2},{"item":"tea","qty":2}, 230
}
