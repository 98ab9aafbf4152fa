package ingest

import "math/bits"

// keyIndex maps each row key (usccKey) to the first row that had it: the
// duplicate check, and afterwards the index from keys back to rows
// (Reader.SourceRow). It is an open-addressing hash table with linear
// probing, sized ahead for the rows the file probably holds. A row is
// checked and added in one probe; with Go's map that took two (a lookup,
// then an insert), and at a million rows the check was the largest cost
// of the one goroutine that hands rows out in file order.
type keyIndex struct {
	slots []keySlot
	used  int
	shift uint // 64 − log2(len(slots)): the hash's top bits pick the slot
}

// keySlot is one entry; row 0 marks an empty slot (file rows count from 1).
type keySlot struct {
	key [2]uint64
	row int32
}

// maxKeyLoad is the share of slots in use above which the table doubles.
const maxKeyLoad = 0.75

// newKeyIndex returns an index sized for about n keys.
func newKeyIndex(n int) *keyIndex {
	size := 16
	for float64(size)*maxKeyLoad < float64(n) {
		size *= 2
	}
	return &keyIndex{slots: make([]keySlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

func (x *keyIndex) slot(key [2]uint64) uint64 {
	h := (key[0] ^ bits.RotateLeft64(key[1], 29)) * 0x9e3779b97f4a7c15
	return (h ^ h>>29) * 0xbf58476d1ce4e5b9 >> x.shift
}

// find returns key's slot, or the empty slot where it would go.
func (x *keyIndex) find(key [2]uint64) *keySlot {
	mask := uint64(len(x.slots) - 1)
	for i := x.slot(key); ; i = (i + 1) & mask {
		if s := &x.slots[i]; s.row == 0 || s.key == key {
			return s
		}
	}
}

// firstOrAdd returns the row that added key before, or adds key for row
// (which must be at least 1) and reports false.
func (x *keyIndex) firstOrAdd(key [2]uint64, row int32) (int32, bool) {
	s := x.find(key)
	if s.row != 0 {
		return s.row, true
	}
	s.key, s.row = key, row
	x.used++
	if float64(x.used) > maxKeyLoad*float64(len(x.slots)) {
		x.resize(2 * len(x.slots))
	}
	return 0, false
}

// get returns the row that added key.
func (x *keyIndex) get(key [2]uint64) (int32, bool) {
	s := x.find(key)
	return s.row, s.row != 0
}

// reserve grows the table, if needed, to hold about n keys without
// growing again.
func (x *keyIndex) reserve(n int) {
	size := len(x.slots)
	for float64(size)*maxKeyLoad < float64(n) {
		size *= 2
	}
	if size > len(x.slots) {
		x.resize(size)
	}
}

func (x *keyIndex) resize(size int) {
	old := x.slots
	x.slots = make([]keySlot, size)
	x.shift = uint(64 - bits.TrailingZeros(uint(size)))
	x.used = 0
	for _, s := range old {
		if s.row != 0 {
			x.firstOrAdd(s.key, s.row)
		}
	}
}

// touchSink keeps touch's reads from being optimised away.
var touchSink int32

// touch reads the home slot of each row's key. Those reads do not depend
// on one another, so the processor overlaps their cache misses; the
// duplicate check that follows, one row at a time in file order, then
// finds the slots in cache instead of waiting on memory for each row.
func (x *keyIndex) touch(rows []parsedRow) {
	var sum int32
	for i := range rows {
		sum += x.slots[x.slot(rows[i].key)].row
	}
	touchSink = sum
}
