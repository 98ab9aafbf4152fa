package index

import (
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// This file holds what makes large data sets (a million enterprises) fast:
// work split over the cores, a radix sort for ranks and a hash check for
// duplicate unit codes. None of it changes a result: the ranks are those of
// a comparison sort, the parallel loops write disjoint parts of their output
// and every floating-point sum keeps its order.

// bulkMin is the number of units from which steps split their work over the
// cores. Below it (every COINr data set, the uncertainty runs, which are
// already spread over the cores) everything runs on the calling goroutine.
const bulkMin = 1 << 16

// bulkBlock is the number of rows one worker takes at a time.
const bulkBlock = 1 << 14

// parallelFor runs f(0) … f(n−1) on up to GOMAXPROCS goroutines, in no
// particular order.
func parallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// forRows runs f over [0, n) in blocks of bulkBlock rows, in parallel when n
// is at least bulkMin, else in one call.
func forRows(n int, f func(lo, hi int)) {
	if n < bulkMin {
		f(0, n)
		return
	}
	parallelFor((n+bulkBlock-1)/bulkBlock, func(b int) {
		f(b*bulkBlock, min((b+1)*bulkBlock, n))
	})
}

// words keeps a large []uint64 once a bulk step is done with it (the hashes
// of the unit codes, the keys of a rank sort) for the next one: at a
// million units each is 8 MB that would otherwise be fresh memory, touched
// page by page.
var words sync.Pool

// getWords returns a slice of n words, reused or new; its contents are
// unspecified.
func getWords(n int) []uint64 {
	if p, ok := words.Get().(*[]uint64); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]uint64, n)
}

// putWords gives w back for reuse; the caller no longer uses it.
func putWords(w []uint64) {
	if cap(w) >= bulkMin {
		words.Put(&w)
	}
}

// ---------------------------------------------------------------------------
// Ranks.

// radixMin is the size from which ranks are computed by a radix sort rather
// than a comparison sort.
const radixMin = 1 << 13

// orderKey maps a number (not NaN) to an unsigned key with the same order:
// equal keys are equal numbers, −0 and +0 included.
func orderKey(v float64) uint64 {
	if v == 0 {
		v = 0 // −0 ties with +0
	}
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// minRanks is rank(x, ties.method = "min") over the non-NaN values of x
// (of −x when desc): 1 for the smallest (largest), tied values sharing the
// lowest rank, 0 for NaN.
func minRanks(x []float64, desc bool) []int {
	n := len(x)
	out := make([]int, n)
	if n < radixMin || n > math.MaxInt32 {
		type vi struct {
			v float64
			i int
		}
		idx := make([]vi, 0, n)
		for i, v := range x {
			if !math.IsNaN(v) {
				if desc {
					v = -v
				}
				idx = append(idx, vi{v, i})
			}
		}
		// No NaN is left, so a plain comparison orders the values; the order
		// inside a tie does not matter since tied values share one rank.
		slices.SortFunc(idx, func(a, b vi) int {
			switch {
			case a.v < b.v:
				return -1
			case a.v > b.v:
				return 1
			}
			return 0
		})
		for k := 0; k < len(idx); {
			j := k
			for j+1 < len(idx) && idx[j+1].v == idx[k].v {
				j++
			}
			for t := k; t <= j; t++ {
				out[idx[t].i] = k + 1
			}
			k = j + 1
		}
		return out
	}
	keys, idx := radixSort(x, desc)
	defer putWords(keys)
	m := len(keys)
	// Each tie group takes the position of its first member plus one; the
	// sorted positions are split between the cores, a worker first finding
	// where the group at its start begins.
	const block = 1 << 16
	parallelFor((m+block-1)/block, func(b int) {
		lo, hi := b*block, min((b+1)*block, m)
		first := lo
		for first > 0 && keys[first-1] == keys[lo] {
			first--
		}
		for k := lo; k < hi; k++ {
			if keys[k] != keys[first] {
				first = k
			}
			out[idx[k]] = first + 1
		}
	})
	return out
}

// radixSort returns the keys (orderKey) of the non-NaN values of x (of −x
// when desc) in ascending order, with their positions in x. A histogram
// pass and a scatter pass, computing the keys from x as they go, spread
// them over 65,536 buckets by their top 16 bits; the buckets are then sorted
// on their other bits, each in the caches with scratch the size of the
// bucket (so the scratch is small, not another copy of the keys). Every
// pass is shared between the cores.
func radixSort(x []float64, desc bool) ([]uint64, []int32) {
	key := func(v float64) uint64 {
		if desc {
			v = -v
		}
		return orderKey(v)
	}
	// The histogram and the scatter are split between the cores: part w of
	// x counts its keys per bucket, and scatters them after those of the
	// parts before it in each bucket.
	parts := 1
	if len(x) >= bulkMin {
		parts = min(runtime.GOMAXPROCS(0), 4)
	}
	hist := make([][]int32, parts)
	span := (len(x) + parts - 1) / parts
	parallelFor(parts, func(w int) {
		h := make([]int32, 1<<16)
		for _, v := range x[min(w*span, len(x)):min((w+1)*span, len(x))] {
			if v == v {
				h[key(v)>>48]++
			}
		}
		hist[w] = h
	})
	start := make([]int, 1<<16+1) // start[b] … start[b+1] is bucket b
	pos := make([][]int32, parts) // where part w puts its next key of bucket b
	for w := range pos {
		pos[w] = make([]int32, 1<<16)
	}
	m := 0
	for b := 0; b < 1<<16; b++ {
		start[b] = m
		for w := range hist {
			pos[w][b] = int32(m)
			m += int(hist[w][b])
		}
	}
	start[1<<16] = m
	keys := getWords(m) // every entry is written below
	idx := make([]int32, m)
	parallelFor(parts, func(w int) {
		p := pos[w]
		lo := min(w*span, len(x))
		for i, v := range x[lo:min((w+1)*span, len(x))] {
			if v == v {
				k := key(v)
				o := p[k>>48]
				keys[o], idx[o] = k, int32(lo+i)
				p[k>>48] = o + 1
			}
		}
	})
	// Runs of buckets of about 1/64 of the keys each, shared by the cores;
	// a worker's scratch grows to the largest bucket it sorts.
	var runs []int
	for b := 0; b < 1<<16; {
		runs = append(runs, b)
		e := b + 1
		for e < 1<<16 && start[e]-start[b] < m/64 {
			e++
		}
		b = e
	}
	runs = append(runs, 1<<16)
	var next atomic.Int64
	parallelFor(min(runtime.GOMAXPROCS(0), len(runs)-1), func(int) {
		var k2 []uint64
		var i2 []int32
		for {
			r := int(next.Add(1)) - 1
			if r >= len(runs)-1 {
				return
			}
			for b := runs[r]; b < runs[r+1]; b++ {
				lo, hi := start[b], start[b+1]
				if hi-lo < 2 {
					continue
				}
				if hi-lo > len(k2) {
					k2, i2 = make([]uint64, hi-lo), make([]int32, hi-lo)
				}
				msdSort(keys[lo:hi], idx[lo:hi], k2[:hi-lo], i2[:hi-lo], 32)
			}
		}
	})
	return keys, idx
}

// msdSort sorts keys (and idx) on their bits below shift+16, which are the
// only ones that differ, using k2 and i2 (the same length) as scratch: a
// bucket that does not fit the caches is spread over 65,536 buckets by its
// next 16 bits first. The result is in keys and idx.
func msdSort(keys []uint64, idx []int32, k2 []uint64, i2 []int32, shift uint) {
	m := len(keys)
	if m <= 64 {
		insertionSort(keys, idx)
		return
	}
	if m <= 1<<16 || shift == 0 {
		lsdSort(keys, idx, k2, i2, shift+16)
		return
	}
	count := make([]int, 1<<16+1)
	for _, k := range keys {
		count[(k>>shift)&0xffff+1]++
	}
	if count[(keys[0]>>shift)&0xffff+1] == m {
		// One bucket: go on with the next digit.
		msdSort(keys, idx, k2, i2, shift-16)
		return
	}
	for b := 1; b <= 1<<16; b++ {
		count[b] += count[b-1]
	}
	start := slices.Clone(count) // start[b] … start[b+1] is bucket b
	for j, k := range keys {
		d := (k >> shift) & 0xffff
		o := count[d]
		k2[o] = k
		i2[o] = idx[j]
		count[d] = o + 1
	}
	// The buckets are in k2; each is sorted there (keys as its scratch) and
	// the whole copied back.
	for b := 0; b < 1<<16; b++ {
		if lo, hi := start[b], start[b+1]; hi-lo > 1 {
			msdSort(k2[lo:hi], i2[lo:hi], keys[lo:hi], idx[lo:hi], shift-16)
		}
	}
	copy(keys, k2)
	copy(idx, i2)
}

// lsdSort sorts keys (and idx) on their low bits (a multiple of 8), 8 bits
// per pass, skipping the passes whose digit is the same for every key; the
// result is in keys and idx.
func lsdSort(keys []uint64, idx []int32, k2 []uint64, i2 []int32, bits uint) {
	m := len(keys)
	if m <= 64 {
		insertionSort(keys, idx)
		return
	}
	passes := int(bits / 8)
	var count [8][256]int
	for _, k := range keys {
		for p := 0; p < passes; p++ {
			count[p][(k>>(8*uint(p)))&0xff]++
		}
	}
	src, dst, isrc, idst := keys, k2[:m], idx, i2[:m]
	for p := 0; p < passes; p++ {
		c := &count[p]
		shift := 8 * uint(p)
		if c[(src[0]>>shift)&0xff] == m {
			continue
		}
		sum := 0
		for b, v := range c {
			c[b] = sum
			sum += v
		}
		for j, k := range src {
			d := (k >> shift) & 0xff
			o := c[d]
			dst[o] = k
			idst[o] = isrc[j]
			c[d] = o + 1
		}
		src, dst, isrc, idst = dst, src, idst, isrc
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
		copy(idx, isrc)
	}
}

func insertionSort(keys []uint64, idx []int32) {
	for i := 1; i < len(keys); i++ {
		k, x := keys[i], idx[i]
		j := i
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j], idx[j] = keys[j-1], idx[j-1]
		}
		keys[j], idx[j] = k, x
	}
}

// ---------------------------------------------------------------------------
// Unit codes.

// codesLookClean reports whether no unit code is blank and no two are equal,
// possibly with false alarms (two codes with the same 64-bit hash), never
// missing a problem: the codes are hashed in parallel and the hashes checked
// for repeats, which at a million units costs a fraction of a map of the
// codes. On a false alarm the caller runs the exact check.
func codesLookClean(codes []string) bool {
	n := len(codes)
	seed := maphash.MakeSeed()
	h := getWords(n) // every entry is written below
	defer putWords(h)
	var blank atomic.Bool
	forRows(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			u := codes[i]
			if (len(u) == 0 || isSpaceByte(u[0])) && strings.TrimSpace(u) == "" {
				blank.Store(true)
			}
			h[i] = codeHash(seed, u)
		}
	})
	return !blank.Load() && !hasRepeat(h)
}

// codeHash hashes a unit code for the repeat check. A code of at most eight
// bytes is its bytes as a word (zero-padded) times an odd constant, a
// bijection of the word — cheaper than a hash, and two such codes collide
// only when one is the other with trailing zero bytes; longer codes go
// through maphash. Equal codes always get equal hashes.
func codeHash(seed maphash.Seed, u string) uint64 {
	if len(u) > 8 {
		return maphash.String(seed, u)
	}
	var w uint64
	if len(u) == 8 {
		w = uint64(u[0]) | uint64(u[1])<<8 | uint64(u[2])<<16 | uint64(u[3])<<24 |
			uint64(u[4])<<32 | uint64(u[5])<<40 | uint64(u[6])<<48 | uint64(u[7])<<56
	} else {
		for i := 0; i < len(u); i++ {
			w |= uint64(u[i]) << (8 * i)
		}
	}
	return w * 0x9e3779b97f4a7c15
}

// isSpaceByte is a cheap first test before strings.TrimSpace: a code whose
// first byte is neither an ASCII space or control character nor part of a
// multi-byte character is not blank.
func isSpaceByte(c byte) bool {
	return c <= ' ' || c >= 0x80
}

// hasRepeat reports whether two values of h are equal. A first pass marks
// each value's top bits in a bitset of about 16 bits per value (small
// enough for the caches) and notes the bits hit twice; only the values on
// those bits, about one in sixteen, are then sorted and compared. On large
// data the values are split between the cores by their first bit, each
// core with bitsets for its half.
func hasRepeat(h []uint64) bool {
	parts := 1
	if len(h) >= bulkMin && runtime.GOMAXPROCS(0) >= 2 {
		parts = 2
	}
	var found atomic.Bool
	parallelFor(parts, func(part int) {
		if repeatIn(h, parts, uint64(part)) {
			found.Store(true)
		}
	})
	return found.Load()
}

// repeatIn is hasRepeat on the values of h whose first bit is part (all of
// them when parts is 1).
func repeatIn(h []uint64, parts int, part uint64) bool {
	skip := uint(0) // leading bits that select the part
	if parts == 2 {
		skip = 1
	}
	mine := func(v uint64) bool { return skip == 0 || v>>63 == part }
	bits := uint(6)
	for 1<<bits < 16*len(h)/parts {
		bits++
	}
	at := func(v uint64) uint64 { return v << skip >> (64 - bits) }
	seen := make([]uint64, (1<<bits)/64)
	twice := make([]uint64, len(seen))
	for _, v := range h {
		if mine(v) {
			b := at(v)
			w, m := b>>6, uint64(1)<<(b&63)
			twice[w] |= seen[w] & m
			seen[w] |= m
		}
	}
	var cand []uint64
	for _, v := range h {
		if mine(v) {
			b := at(v)
			if twice[b>>6]&(uint64(1)<<(b&63)) != 0 {
				cand = append(cand, v)
			}
		}
	}
	slices.Sort(cand)
	for i := 1; i < len(cand); i++ {
		if cand[i] == cand[i-1] {
			return true
		}
	}
	return false
}
