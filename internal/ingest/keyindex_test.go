package ingest

import (
	"math/rand/v2"
	"testing"
)

// The key index answers as a Go map does, through growth from a small
// size, with keys that share halves (as codes of one district do).
func TestKeyIndexMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, hint := range []int{0, 1000, 50000} {
		x := newKeyIndex(hint)
		want := map[[2]uint64]int32{}
		for row := int32(1); row <= 40000; row++ {
			key := [2]uint64{rng.Uint64N(300), rng.Uint64N(200)}
			if row%7 == 0 {
				key = [2]uint64{rng.Uint64(), rng.Uint64()}
			}
			first, seen := x.firstOrAdd(key, row)
			w, ok := want[key]
			if seen != ok || first != w {
				t.Fatalf("hint %d, row %d: firstOrAdd = %d, %v; want %d, %v", hint, row, first, seen, w, ok)
			}
			if !ok {
				want[key] = row
			}
		}
		if x.used != len(want) {
			t.Fatalf("hint %d: %d keys, want %d", hint, x.used, len(want))
		}
		for k, w := range want {
			if got, ok := x.get(k); !ok || got != w {
				t.Fatalf("hint %d: get(%v) = %d, %v; want %d", hint, k, got, ok, w)
			}
		}
		if _, ok := x.get([2]uint64{1 << 40, 1 << 40}); ok {
			t.Fatalf("hint %d: a key never added was found", hint)
		}
		if float64(x.used) > maxKeyLoad*float64(len(x.slots)) {
			t.Fatalf("hint %d: %d keys in %d slots", hint, x.used, len(x.slots))
		}
	}
}
