package complexity

import (
	"bufio"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

// The sizes issue 7 sets targets for (bench/complexity.sh runs these and
// measures peak memory; the figures go in BENCHMARKS.md):
//
//   - 226 regions × 785 activities, the size of the Atlas of Economic
//     Complexity's SITC tables: full output in under 0.5 s;
//   - 3,000 regions × 1,400 activities: under 10 s and 2 GB.
//
// The tables come from synthetic (bench_test.go): trade-like values, 20 %
// of cells empty, about 28 % of cells present (RCA > 1).

// BenchmarkComputeAtlas226x785 is Compute alone (with 20 fitness steps) at
// the Atlas's SITC size.
func BenchmarkComputeAtlas226x785(b *testing.B) { benchmarkCompute(b, 226, 785) }

// BenchmarkComputeLarge3000x1400 is Compute alone (with 20 fitness steps)
// at the largest size the issue names. It also reports the bytes allocated
// per run and the live heap right after a run, in MB.
func BenchmarkComputeLarge3000x1400(b *testing.B) {
	d := synthetic(3000, 1400, 42)
	var res *Result
	var err error
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		res, err = Compute(d, Options{FitnessIterations: 20})
		if err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/op")
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "MB-live-result")
	runtime.KeepAlive(res)
}

// BenchmarkFullOutputAtlas226x785 is the whole job of `indus complexity`
// minus file reading, at the Atlas size: long-format rows in random order →
// Pivot → Compute (20 fitness steps) → one CSV row per region × activity
// with every column, plus the proximity edge list, written to io.Discard.
func BenchmarkFullOutputAtlas226x785(b *testing.B) {
	d := synthetic(226, 785, 42)
	obs := longRows(d)
	for b.Loop() {
		res, err := Compute(Pivot(obs), Options{FitnessIterations: 20})
		if err != nil {
			b.Fatal(err)
		}
		if err := writeFullOutput(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullOutputLarge3000x1400 is the same pipeline at 3,000 × 1,400
// (4.2 M output rows).
func BenchmarkFullOutputLarge3000x1400(b *testing.B) {
	d := synthetic(3000, 1400, 42)
	obs := longRows(d)
	for b.Loop() {
		res, err := Compute(Pivot(obs), Options{FitnessIterations: 20})
		if err != nil {
			b.Fatal(err)
		}
		if err := writeFullOutput(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}

// longRows turns a dense table into shuffled long-format observations
// (non-zero cells only, as a data file would list them).
func longRows(d Data) []Observation {
	P := len(d.Activities)
	var obs []Observation
	for i, r := range d.Regions {
		for j, a := range d.Activities {
			if v := d.Values[i*P+j]; v != 0 {
				obs = append(obs, Observation{Region: r, Activity: a, Value: v})
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(obs), func(i, j int) { obs[i], obs[j] = obs[j], obs[i] })
	return obs
}

// writeFullOutput writes the columns of `indus complexity --out` (region,
// activity, value, rca, M, density, eci, pci, diversity, ubiquity, coi, cog,
// fitness, fc_complexity) and the proximity edge list, formatting numbers
// as the CLI does (shortest representation).
func writeFullOutput(w io.Writer, res *Result) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	buf := make([]byte, 0, 512)
	num := func(v float64) {
		buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		buf = append(buf, ',')
	}
	bw.WriteString("region,activity,value,rca,M,density,eci,pci,diversity,ubiquity,coi,cog,fitness,fc_complexity\n")
	for i, r := range res.Regions {
		for j, a := range res.Activities {
			c := res.Cell(i, j)
			buf = append(buf[:0], r...)
			buf = append(buf, ',')
			buf = append(buf, a...)
			buf = append(buf, ',')
			num(res.Value[c])
			num(res.RCA[c])
			num(res.M[c])
			num(res.Density[c])
			num(res.ECI[i])
			num(res.PCI[j])
			buf = strconv.AppendInt(buf, int64(res.Diversity[i]), 10)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(res.Ubiquity[j]), 10)
			buf = append(buf, ',')
			num(res.COI[i])
			num(res.COG[c])
			num(res.Fitness[i])
			num(res.FCComplexity[j])
			buf[len(buf)-1] = '\n'
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	}
	P := len(res.Activities)
	bw.WriteString("activity_1,activity_2,proximity\n")
	for p, ap := range res.Activities {
		for q, aq := range res.Activities {
			if p == q {
				continue
			}
			buf = append(buf[:0], ap...)
			buf = append(buf, ',')
			buf = append(buf, aq...)
			buf = append(buf, ',')
			num(res.Proximity[p*P+q])
			buf[len(buf)-1] = '\n'
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
