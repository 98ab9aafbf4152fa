package complexity

import (
	"errors"
	"math"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

// FuzzCompute: whatever the table and options, Compute returns either a
// domain error or a result of the right shape; it never panics.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{3, 3, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0})
	f.Add([]byte{2, 2, 1, 2, 2, 0, 4})
	f.Add([]byte{4, 5, 2, 255, 3, 7, 0, 0, 9, 254, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{1, 1, 0, 0})
	f.Add([]byte{6, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 3 {
			return
		}
		R, P := int(b[0]%8)+1, int(b[1]%8)+1
		opt := Options{
			Binary:            b[2]&1 == 1,
			FitnessIterations: int(b[2]>>1) % 4,
		}
		switch (b[2] >> 3) % 4 {
		case 1:
			opt.Threshold = 0.5
		case 2:
			opt.Threshold = 1.5
		case 3:
			opt.Threshold = 1e-300
		}
		d := Data{Regions: make([]string, R), Activities: make([]string, P), Values: make([]float64, R*P)}
		for i := range d.Regions {
			d.Regions[i] = string(rune('a' + i))
		}
		for j := range d.Activities {
			d.Activities[j] = string(rune('A' + j))
		}
		for k := range d.Values {
			if 3+k >= len(b) {
				break
			}
			switch v := b[3+k]; v {
			case 255:
				d.Values[k] = math.NaN()
			case 254:
				d.Values[k] = -1
			case 253:
				d.Values[k] = math.Inf(1)
			case 252:
				d.Values[k] = 1e308
			case 251:
				d.Values[k] = 5e-324
			default:
				if opt.Binary {
					d.Values[k] = float64(v % 2)
				} else {
					d.Values[k] = float64(v % 16)
				}
			}
		}
		res, err := Compute(d, opt)
		if err != nil {
			var de *DisconnectedError
			if indus.Code(err) != indus.EInvalid && !errors.As(err, &de) {
				t.Fatalf("error %v is not a domain error", err)
			}
			return
		}
		r, p := len(res.Regions), len(res.Activities)
		if r+len(res.DroppedRegions) != R || p+len(res.DroppedActivities) != P {
			t.Fatalf("kept %d+%d dropped %d+%d of %d×%d", r, p, len(res.DroppedRegions), len(res.DroppedActivities), R, P)
		}
		for _, s := range [][]float64{res.Value, res.RCA, res.M, res.Density, res.COG} {
			if len(s) != r*p {
				t.Fatalf("cell slice of %d, want %d", len(s), r*p)
			}
		}
		if len(res.ECI) != r || len(res.COI) != r || len(res.PCI) != p || len(res.Proximity) != p*p {
			t.Fatal("bad vector lengths")
		}
		for i, v := range res.ECI {
			if math.IsInf(v, 0) || (!math.IsNaN(v) && res.Diversity[i] == 0) {
				t.Fatalf("ECI %v for diversity %d", v, res.Diversity[i])
			}
		}
		for _, v := range res.M {
			if v != 0 && v != 1 {
				t.Fatalf("M = %v", v)
			}
		}
	})
}
