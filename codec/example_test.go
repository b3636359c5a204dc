package codec_test

import (
	"fmt"

	"github.com/dmicro-go/dmicro/codec"
)

func ExampleSet() {
	set := codec.Standard()
	c := set.ByName("json")

	type user struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	body, err := c.Marshal(nil, user{Name: "Ada", Age: 36})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%c %s %s\n", c.ID(), c.Name(), body)
	// Output: j json {"name":"Ada","age":36}
}

func ExampleJSON() {
	type point struct{ X, Y int }
	var c codec.JSON

	body, err := c.Marshal(nil, point{X: 1, Y: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	var p point
	if err := c.Unmarshal(body, &p); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s -> %+v\n", body, p)
	// Output: {"X":1,"Y":2} -> {X:1 Y:2}
}

func ExampleForm() {
	type search struct {
		Query string   `form:"q"`
		Tags  []string `form:"tag"`
		Page  int      `form:"page,omitempty"`
		Debug bool     `form:"-"`
	}
	var c codec.Form

	body, err := c.Marshal(nil, search{Query: "go codecs", Tags: []string{"rpc", "json"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(body))

	var s search
	if err := c.Unmarshal([]byte("q=x&tag=b&tag=a&page=2&other=ignored"), &s); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", s)
	// Output:
	// q=go+codecs&tag=rpc&tag=json
	// {Query:x Tags:[b a] Page:2 Debug:false}
}
