package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
)

// PeerStat compares one enterprise's indicator value with its peers in a
// run, anonymously: how many peers, their median, and the share of them
// below the enterprise (ties count half).
type PeerStat struct {
	Indicator string   `json:"indicator"`
	Division  string   `json:"division,omitempty"` // the GB/T 4754 division compared within; "" for all firms of the run
	Peers     int64    `json:"peers"`
	Median    float64  `json:"median"`
	Below     *float64 `json:"share_below,omitempty"` // nil when the enterprise has no value
}

// MinPeers is the smallest peer group shown: fewer firms would let a reader
// guess who they are. Below it, the comparison widens to every firm of the
// run.
const MinPeers = 10

// runPeers holds a run's reported indicator values, sorted, by indicator
// and division ("" for all firms). Runs are immutable, so it is built once
// per run and kept; a national run (≈ 270 k firms × 6 indicators) takes
// about 15 MB.
type runPeers struct {
	values map[string]map[string][]float64 // indicator → division → sorted values
	firms  map[string]firmPeer             // uscc → its division and values
}

type firmPeer struct {
	division string
	values   map[string]float64 // reported, not imputed
	order    []string           // indicators in scheme order
}

// peerCache keeps runPeers of the most recent runs asked for.
type peerCache struct {
	mu   sync.Mutex
	runs map[int64]*runPeers
}

const maxCachedPeerRuns = 4

func (s *Store) runPeers(ctx context.Context, run int64) (*runPeers, error) {
	s.peers.mu.Lock()
	defer s.peers.mu.Unlock()
	if p, ok := s.peers.runs[run]; ok {
		return p, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT i.uscc, coalesce(substr(e.industry_code, 1, 2), ''), i.indicator, i.value
		FROM evaluation_items i JOIN evaluation_enterprises e ON e.run_id = i.run_id AND e.uscc = i.uscc
		WHERE i.run_id = ? AND i.value IS NOT NULL AND i.missing = '' ORDER BY i.uscc, i.position`, run)
	if err != nil {
		return nil, fmt.Errorf("peer comparison: %w", err)
	}
	defer rows.Close()
	p := &runPeers{values: map[string]map[string][]float64{}, firms: map[string]firmPeer{}}
	for rows.Next() {
		var uscc, div, ind string
		var v float64
		if err := rows.Scan(&uscc, &div, &ind, &v); err != nil {
			return nil, err
		}
		f, ok := p.firms[uscc]
		if !ok {
			f = firmPeer{division: div, values: map[string]float64{}}
		}
		f.values[ind] = v
		f.order = append(f.order, ind)
		p.firms[uscc] = f
		byDiv := p.values[ind]
		if byDiv == nil {
			byDiv = map[string][]float64{}
			p.values[ind] = byDiv
		}
		byDiv[""] = append(byDiv[""], v)
		if div != "" {
			byDiv[div] = append(byDiv[div], v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, byDiv := range p.values {
		for _, vs := range byDiv {
			sort.Float64s(vs)
		}
	}
	if s.peers.runs == nil || len(s.peers.runs) >= maxCachedPeerRuns {
		s.peers.runs = map[int64]*runPeers{}
	}
	s.peers.runs[run] = p
	return p, nil
}

// EvaluationPeers compares the enterprise's reported indicator values with
// the other enterprises of the run: within its industry division when it
// has at least MinPeers peers there, else with all firms. Only aggregates
// leave the store; the caller must be allowed to see the enterprise itself.
func (s *Store) EvaluationPeers(ctx context.Context, run int64, uscc string) ([]PeerStat, error) {
	if err := s.requireInScope(ctx, uscc); err != nil {
		return nil, err
	}
	p, err := s.runPeers(ctx, run)
	if err != nil {
		return nil, err
	}
	me, inRun := p.firms[uscc]
	var division string
	var indicators []string
	if inRun {
		division, indicators = me.division, me.order
	} else {
		// No reported value at all: still compare, over all firms.
		for ind := range p.values {
			indicators = append(indicators, ind)
		}
		sort.Strings(indicators)
	}
	// Indicators the firm did not report are compared too (without a
	// share below): the peers' median is still useful to it.
	seen := map[string]bool{}
	for _, ind := range indicators {
		seen[ind] = true
	}
	var rest []string
	for ind := range p.values {
		if !seen[ind] {
			rest = append(rest, ind)
		}
	}
	sort.Strings(rest)
	indicators = append(indicators, rest...)
	var out []PeerStat
	for _, ind := range indicators {
		mine, has := me.values[ind]
		stat := func(div string) (PeerStat, bool) {
			vs := p.values[ind][div]
			ps := PeerStat{Indicator: ind, Division: div}
			excl := -1
			if has && (div == "" || div == division) {
				// The firm itself is among the values: leave one copy out.
				excl = sort.SearchFloat64s(vs, mine)
			}
			n := len(vs)
			if excl >= 0 {
				n--
			}
			if n < MinPeers {
				return ps, false
			}
			ps.Peers = int64(n)
			ps.Median = quantileExcluding(vs, excl, 0.5)
			if has {
				lo := sort.SearchFloat64s(vs, mine)
				hi := sort.Search(len(vs), func(i int) bool { return vs[i] > mine })
				ties := float64(hi - lo)
				if excl >= 0 {
					ties--
				}
				b := (float64(lo) + ties/2) / float64(n)
				ps.Below = &b
			}
			return ps, true
		}
		if division != "" {
			if ps, ok := stat(division); ok {
				out = append(out, ps)
				continue
			}
		}
		if ps, ok := stat(""); ok {
			out = append(out, ps)
		}
	}
	return out, nil
}

// quantileExcluding is the linear-interpolation quantile (type 7, as
// DuckDB's quantile_cont) of sorted values with the element at index excl
// left out (excl < 0: none).
func quantileExcluding(sorted []float64, excl int, q float64) float64 {
	n := len(sorted)
	at := func(i int) float64 {
		if excl >= 0 && i >= excl {
			return sorted[i+1]
		}
		return sorted[i]
	}
	if excl >= 0 {
		n--
	}
	if n == 0 {
		return math.NaN()
	}
	pos := q * float64(n-1)
	i := int(math.Floor(pos))
	if i+1 >= n {
		return at(n - 1)
	}
	return at(i) + (pos-float64(i))*(at(i+1)-at(i))
}
