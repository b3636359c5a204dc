package rpc

import (
	"fmt"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// filterSet is an endpoint's transfer filters, by id and by name.
type filterSet struct {
	byID   [256]wire.Filter
	byName map[string]wire.Filter
	dflt   []wire.Filter // applied to calls and pushes that choose none
}

func newFilterSet(fs []wire.Filter, dflt []string) (*filterSet, error) {
	s := &filterSet{byName: make(map[string]wire.Filter, len(fs))}
	for _, f := range fs {
		if f == nil || f.ID() == 0 {
			return nil, fmt.Errorf("rpc: config: a filter is nil or has id 0")
		}
		if s.byID[f.ID()] != nil || s.byName[f.Name()] != nil {
			return nil, fmt.Errorf("rpc: config: filter %q (id %d) is given twice", f.Name(), f.ID())
		}
		s.byID[f.ID()], s.byName[f.Name()] = f, f
	}
	var err error
	if s.dflt, err = s.named(dflt); err != nil {
		return nil, fmt.Errorf("rpc: config: DefaultFilters: %w", err)
	}
	return s, nil
}

// named looks filters up by name, in order.
func (s *filterSet) named(names []string) ([]wire.Filter, error) {
	out := make([]wire.Filter, 0, len(names))
	for _, n := range names {
		f := s.byName[n]
		if f == nil {
			return nil, fmt.Errorf("unknown filter %q (add it to Config.Filters)", n)
		}
		out = append(out, f)
	}
	return out, nil
}

// apply runs body through fs in order, writing into the two scratch
// buffers in turn, and returns the result and the ids of the filters that
// applied themselves, appended to ids.
func applyFilters(fs []wire.Filter, body []byte, scratch *[2][]byte, ids []byte) ([]byte, []byte, error) {
	cur, next := body, 0
	for _, f := range fs {
		out, applied, err := f.Encode(scratch[next][:0], cur)
		if err != nil {
			return nil, ids, WrapStatus(CodeInternal, "filter "+f.Name(), err)
		}
		if !applied {
			continue
		}
		scratch[next] = out
		cur, next = out, 1-next
		ids = append(ids, f.ID())
	}
	return cur, ids, nil
}

// undo reverses the filters listed in ids (applied in that order) on body,
// never producing more than limit bytes. Before each filter it reserves,
// for m, the memory the decoding takes from the endpoint's budget: what
// the filter says the decoded body takes (wire.DecodedSizer), else limit.
func (s *filterSet) undo(ids, body []byte, limit int, scratch *[2][]byte, m *wire.Message, budget *wire.Budget) ([]byte, error) {
	cur, next := body, 0
	for i := len(ids) - 1; i >= 0; i-- {
		f := s.byID[ids[i]]
		if f == nil {
			return nil, NewStatus(CodeBadMessage, fmt.Sprintf("unknown transfer filter id %d", ids[i]))
		}
		lim := limit
		if ds, ok := f.(wire.DecodedSizer); ok {
			n := ds.DecodedSize(cur)
			if n > limit {
				return nil, NewStatus(CodeTooLarge, fmt.Sprintf("undo filter %s: the body declares %d bytes, over the %d-byte limit", f.Name(), n, limit))
			}
			lim = max(n, 1) // Decode reads a limit of 0 as the default
		}
		if err := m.Reserve(budget, lim); err != nil {
			return nil, WrapStatus(CodeOverloaded, "undo filter "+f.Name(), err)
		}
		out, err := f.Decode(scratch[next][:0], cur, lim)
		if err != nil {
			return nil, StatusOf(fmt.Errorf("undo filter %s: %w", f.Name(), err))
		}
		scratch[next] = out
		cur, next = out, 1-next
	}
	return cur, nil
}

// chain returns the filters listed in ids, for a reply to mirror its call.
func (s *filterSet) chain(ids []byte) []wire.Filter {
	if len(ids) == 0 {
		return nil
	}
	out := make([]wire.Filter, 0, len(ids))
	for _, id := range ids {
		if f := s.byID[id]; f != nil {
			out = append(out, f)
		}
	}
	return out
}
