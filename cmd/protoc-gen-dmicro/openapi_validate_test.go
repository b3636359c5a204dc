package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// decodeJSON decodes b keeping numbers exact.
func decodeJSON(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v map[string]any
	err := d.Decode(&v)
	return v, err
}

// resolve follows a "$ref" to a component of doc.
func resolve(doc map[string]any, obj map[string]any) map[string]any {
	ref, ok := obj["$ref"].(string)
	if !ok {
		return obj
	}
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[part]
	}
	return cur.(map[string]any)
}

// validate checks v against the subset of JSON Schema the generator
// writes, strictly: an object may hold only the properties its schema
// names (unless additionalProperties says otherwise), so a field name on
// the wire that the document spells otherwise is caught.
func validate(doc, s map[string]any, v any, at string) error {
	s = resolve(doc, s)
	if s["type"] == nil && s["oneOf"] != nil {
		return validateOneOf(doc, s, v, at)
	}
	if v == nil {
		if ts, ok := s["type"].([]any); ok && slices.Contains(ts, any("null")) || s["type"] == "null" {
			return nil
		}
		return fmt.Errorf("%s: null where the schema wants %v", at, s["type"])
	}
	typ := s["type"]
	if ts, ok := typ.([]any); ok {
		typ = ts[0]
	}
	switch typ {
	case "object":
		return validateObject(doc, s, v, at)
	case "array":
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an array", at, v)
		}
		for i, e := range list {
			if err := validate(doc, s["items"].(map[string]any), e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %v is not a string", at, v)
		}
		if s["contentEncoding"] == "base64" {
			if _, err := base64.StdEncoding.DecodeString(str); err != nil {
				return fmt.Errorf("%s: %q is not base64: %v", at, str, err)
			}
		}
		if c, ok := s["const"]; ok && c != str {
			return fmt.Errorf("%s: %q, want %q", at, str, c)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %v is not a boolean", at, v)
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s: %v is not a number", at, v)
		}
	case "integer":
		return validateInteger(s, v, at)
	default:
		return fmt.Errorf("%s: the schema has the type %v", at, typ)
	}
	return nil
}

func validateObject(doc, s map[string]any, v any, at string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: %v is not an object", at, v)
	}
	props, _ := s["properties"].(map[string]any)
	for _, r := range asList(s["required"]) {
		if _, ok := obj[r.(string)]; !ok {
			return fmt.Errorf("%s: no %s", at, r)
		}
	}
	for k, e := range obj {
		if ps, ok := props[k]; ok {
			if err := validate(doc, ps.(map[string]any), e, at+"."+k); err != nil {
				return err
			}
			continue
		}
		ap, ok := s["additionalProperties"].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %q is not a property of the schema", at, k)
		}
		if pn, ok := s["propertyNames"].(map[string]any); ok && !regexp.MustCompile(pn["pattern"].(string)).MatchString(k) {
			return fmt.Errorf("%s: the key %q does not match %s", at, k, pn["pattern"])
		}
		if err := validate(doc, ap, e, at+"."+k); err != nil {
			return err
		}
	}
	if s["oneOf"] != nil {
		return validateOneOf(doc, s, v, at)
	}
	return nil
}

// validateOneOf checks that v matches exactly one of s's oneOf schemas.
func validateOneOf(doc, s map[string]any, v any, at string) error {
	n := 0
	for _, a := range asList(s["oneOf"]) {
		if validate(doc, a.(map[string]any), v, at) == nil {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%s: %v matches %d of the oneOf schemas", at, v, n)
	}
	return nil
}

func validateInteger(s map[string]any, v any, at string) error {
	n, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("%s: %v is not an integer", at, v)
	}
	lo, hi := int64(math.MinInt64), uint64(math.MaxUint64)
	switch s["format"] {
	case "int32":
		lo, hi = math.MinInt32, math.MaxInt32
	case "int64":
		hi = math.MaxInt64
	}
	if m, ok := s["minimum"].(json.Number); ok {
		lo, _ = strconv.ParseInt(string(m), 10, 64)
	}
	if m, ok := s["maximum"].(json.Number); ok {
		hi, _ = strconv.ParseUint(string(m), 10, 64)
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < lo || i >= 0 && uint64(i) > hi {
			return fmt.Errorf("%s: %d is out of [%d, %d]", at, i, lo, hi)
		}
	} else if u, err := strconv.ParseUint(string(n), 10, 64); err != nil || u > hi || lo > 0 {
		return fmt.Errorf("%s: %s is not an integer in [%d, %d]", at, n, lo, hi)
	}
	if enum := asList(s["enum"]); len(enum) > 0 && !slices.Contains(enum, any(n)) {
		return fmt.Errorf("%s: %s is not one of %v", at, n, enum)
	}
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
