package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// parser reads an XML-RPC document into the values of the package's type
// mapping: int, bool, string, float64, time.Time, []byte, map[string]any,
// []any and nil. It is strict about the document's structure and liberal
// about the text of scalars, as the package documentation describes.
type parser struct {
	d     *xml.Decoder
	depth int
}

func newParser(data []byte) *parser {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	return &parser{d: d}
}

// parseCall parses a methodCall document.
func parseCall(data []byte) (method string, params []any, err error) {
	p := newParser(data)
	if err := p.root("methodCall"); err != nil {
		return "", nil, err
	}
	if err := p.start("methodName"); err != nil {
		return "", nil, err
	}
	if method, err = p.text(); err != nil {
		return "", nil, err
	}
	if method == "" {
		return "", nil, errors.New("xmlrpc: empty methodName")
	}
	tok, err := p.next()
	if err != nil {
		return "", nil, noEOF(err)
	}
	if se, ok := tok.(xml.StartElement); ok {
		if se.Name.Local != "params" {
			return "", nil, fmt.Errorf("xmlrpc: <%s> where <params> belongs", se.Name.Local)
		}
		if params, err = p.params(); err != nil {
			return "", nil, err
		}
		if tok, err = p.next(); err != nil {
			return "", nil, noEOF(err)
		}
	}
	if _, ok := tok.(xml.EndElement); !ok {
		return "", nil, errors.New("xmlrpc: unexpected content after <params>")
	}
	if err := p.eof(); err != nil {
		return "", nil, err
	}
	if params == nil {
		params = []any{}
	}
	return method, params, nil
}

// parseResponse parses a methodResponse document into its result, or the
// fault it carries. A response with no param has a nil result.
func parseResponse(data []byte) (result any, fault *Fault, err error) {
	p := newParser(data)
	if err := p.root("methodResponse"); err != nil {
		return nil, nil, err
	}
	tok, err := p.next()
	if err != nil {
		return nil, nil, noEOF(err)
	}
	se, ok := tok.(xml.StartElement)
	if !ok {
		return nil, nil, errors.New("xmlrpc: empty <methodResponse>")
	}
	switch se.Name.Local {
	case "params":
		params, err := p.params()
		if err != nil {
			return nil, nil, err
		}
		switch len(params) {
		case 0:
		case 1:
			result = params[0]
		default:
			return nil, nil, fmt.Errorf("xmlrpc: a response holds one param, not %d", len(params))
		}
	case "fault":
		if fault, err = p.fault(); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("xmlrpc: <%s> where <params> or <fault> belongs", se.Name.Local)
	}
	if err := p.end(); err != nil {
		return nil, nil, err
	}
	if err := p.eof(); err != nil {
		return nil, nil, err
	}
	return result, fault, nil
}

// root reads up to the document's root element, which must be name.
func (p *parser) root(name string) error {
	tok, err := p.next()
	if err == io.EOF {
		return errors.New("xmlrpc: empty document")
	}
	if err != nil {
		return err
	}
	se, ok := tok.(xml.StartElement)
	if !ok || se.Name.Local != name {
		return fmt.Errorf("xmlrpc: the document is not a <%s>", name)
	}
	return nil
}

// eof reads to the end of the document, which must hold nothing more than
// white space, comments and processing instructions.
func (p *parser) eof() error {
	_, err := p.next()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	return errors.New("xmlrpc: content after the root element")
}

// next returns the next element token, skipping white space, comments,
// processing instructions and directives. Other text is an error.
func (p *parser) next() (xml.Token, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, tokenErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			return tok, nil
		case xml.CharData:
			if !isSpace(t) {
				return nil, fmt.Errorf("xmlrpc: unexpected text %q", truncate(t))
			}
		}
	}
}

// start reads the start tag of the element name.
func (p *parser) start(name string) error {
	tok, err := p.next()
	if err != nil {
		return noEOF(err)
	}
	if se, ok := tok.(xml.StartElement); !ok || se.Name.Local != name {
		return fmt.Errorf("xmlrpc: missing <%s>", name)
	}
	return nil
}

// end reads the end tag of the element being read. The decoder checks that
// the tag matches.
func (p *parser) end() error {
	tok, err := p.next()
	if err != nil {
		return noEOF(err)
	}
	if se, ok := tok.(xml.StartElement); ok {
		return fmt.Errorf("xmlrpc: unexpected <%s>", se.Name.Local)
	}
	return nil
}

// text reads the character data of the element being read, and its end
// tag. Comments are skipped; an element inside is an error.
func (p *parser) text() (string, error) {
	var b []byte
	for {
		tok, err := p.d.Token()
		if err != nil {
			return "", tokenErr(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.StartElement:
			return "", fmt.Errorf("xmlrpc: unexpected <%s> in text", t.Name.Local)
		case xml.EndElement:
			return string(b), nil
		}
	}
}

// params reads the <param> elements of a <params>, and its end tag.
func (p *parser) params() ([]any, error) {
	params := []any{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, noEOF(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			return params, nil
		}
		if se.Name.Local != "param" {
			return nil, fmt.Errorf("xmlrpc: <%s> where <param> belongs", se.Name.Local)
		}
		if err := p.start("value"); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		params = append(params, v)
	}
}

// fault reads the value of a <fault> and its end tag.
func (p *parser) fault() (*Fault, error) {
	if err := p.start("value"); err != nil {
		return nil, err
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("xmlrpc: a fault is a struct, not %s", typeName(v))
	}
	code, ok := m["faultCode"].(int)
	if !ok {
		return nil, errors.New("xmlrpc: a fault without an int faultCode")
	}
	f := &Fault{Code: code}
	switch s := m["faultString"].(type) {
	case nil:
	case string:
		f.String = s
	default:
		return nil, fmt.Errorf("xmlrpc: a fault's faultString is %s, not string", typeName(s))
	}
	return f, nil
}

// value reads what a <value> holds, and its end tag. A value with no type
// element is a string.
func (p *parser) value() (any, error) {
	var text []byte
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, tokenErr(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			return string(text), nil
		case xml.StartElement:
			if !isSpace(text) {
				return nil, fmt.Errorf("xmlrpc: text %q beside <%s> in a value", truncate(text), t.Name.Local)
			}
			v, err := p.typed(t.Name.Local)
			if err != nil {
				return nil, err
			}
			return v, p.end()
		}
	}
}

// typed reads the element of type name inside a <value>, up to its end tag.
func (p *parser) typed(name string) (any, error) {
	switch name {
	case "array":
		return p.array()
	case "struct":
		return p.structure()
	}
	s, err := p.text()
	if err != nil {
		return nil, err
	}
	switch name {
	case "string":
		return s, nil
	case "int", "i4", "i8", "i1", "i2":
		n, err := strconv.ParseInt(trimSpace(s), 10, strconv.IntSize)
		if err != nil {
			return nil, fmt.Errorf("xmlrpc: bad <%s> %q", name, truncate([]byte(s)))
		}
		return int(n), nil
	case "boolean":
		switch trimSpace(s) {
		case "1", "true":
			return true, nil
		case "0", "false":
			return false, nil
		}
		return nil, fmt.Errorf("xmlrpc: bad <boolean> %q", truncate([]byte(s)))
	case "double", "float":
		f, err := strconv.ParseFloat(trimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("xmlrpc: bad <%s> %q", name, truncate([]byte(s)))
		}
		return f, nil
	case "dateTime.iso8601":
		return parseTime(trimSpace(s))
	case "base64":
		return parseBase64(s)
	case "nil":
		if !isSpace([]byte(s)) {
			return nil, errors.New("xmlrpc: <nil> with content")
		}
		return nil, nil
	}
	return nil, fmt.Errorf("xmlrpc: unknown value type <%s>", name)
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return fmt.Errorf("xmlrpc: values nested more than %d deep", maxDepth)
	}
	return nil
}

// array reads an <array>'s <data> and its end tags.
func (p *parser) array() ([]any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	if err := p.start("data"); err != nil {
		return nil, err
	}
	a := []any{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, noEOF(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			break
		}
		if se.Name.Local != "value" {
			return nil, fmt.Errorf("xmlrpc: <%s> where <value> belongs", se.Name.Local)
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	p.depth--
	return a, p.end()
}

// structure reads a <struct>'s members and its end tag. When a name comes
// twice, the last member wins, as in Python.
func (p *parser) structure() (map[string]any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	m := map[string]any{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, noEOF(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			break
		}
		if se.Name.Local != "member" {
			return nil, fmt.Errorf("xmlrpc: <%s> where <member> belongs", se.Name.Local)
		}
		if err := p.start("name"); err != nil {
			return nil, err
		}
		name, err := p.text()
		if err != nil {
			return nil, err
		}
		if err := p.start("value"); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		m[name] = v
	}
	p.depth--
	return m, nil
}

// parseTime parses a dateTime.iso8601 in any of dateTimeLayouts. The
// result is in UTC; fractions of a second are dropped, since the type
// cannot carry them.
func parseTime(s string) (time.Time, error) {
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Second), nil
		}
	}
	return time.Time{}, fmt.Errorf("xmlrpc: bad <dateTime.iso8601> %q", truncate([]byte(s)))
}

// parseBase64 decodes standard base64, ignoring the white space that
// encoders such as Python's put in, with or without its padding.
func parseBase64(s string) ([]byte, error) {
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			b = append(b, c)
		}
	}
	enc := base64.StdEncoding
	if len(b)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out, err := enc.AppendDecode(make([]byte, 0, enc.DecodedLen(len(b))), b)
	if err != nil {
		return nil, errors.New("xmlrpc: bad <base64>")
	}
	return out, nil
}

// charsetReader lets the parser read the encodings Python's xmlrpc can be
// told to write besides UTF-8: ISO-8859-1 and its subset US-ASCII.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii":
	default:
		return nil, fmt.Errorf("xmlrpc: unsupported charset %q", charset)
	}
	b, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b))
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return bytes.NewReader(out), nil
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func trimSpace(s string) string { return strings.Trim(s, " \t\n\r") }

// truncate shortens text quoted in an error.
func truncate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}

// errEarlyEOF is the error of a document that ends before its root
// element does.
var errEarlyEOF = fmt.Errorf("xmlrpc: the document ends early: %w", io.ErrUnexpectedEOF)

// noEOF turns io.EOF, from the middle of a document, into errEarlyEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return errEarlyEOF
	}
	return err
}

// tokenErr returns the error for err from the XML decoder.
func tokenErr(err error) error {
	if err == io.EOF {
		return errEarlyEOF
	}
	return fmt.Errorf("xmlrpc: %w", err)
}
