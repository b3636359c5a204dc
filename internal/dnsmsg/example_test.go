package dnsmsg_test

import (
	"fmt"

	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

func Example() {
	q := dnsmsg.Message{Questions: []dnsmsg.Question{
		{Name: "_greeter._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN},
	}}
	b, err := q.Append(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var m dnsmsg.Message
	if err := m.Decode(b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(b), m.Questions[0].Name, m.Questions[0].Type == dnsmsg.TypePTR)
	// Output: 37 _greeter._tcp.local. true
}
