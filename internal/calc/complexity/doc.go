// Package complexity computes economic complexity measures on a region ×
// activity table, reproducing the Growth Lab's Stata ecomplexity to rounding
// error (see stata_test.go). It is pure computation: no I/O.
//
// # Measures
//
// With x_rp the value of activity p in region r:
//
//   - RCA (Balassa 1965): RCA_rp = (x_rp / Σ_p x_rp) / (Σ_r x_rp / Σ_rp x_rp).
//   - Presence: M_rp = 1 if RCA_rp > threshold (strictly; default 1), else 0;
//     or, with Options.Binary, the input itself (0/1).
//   - Diversity d_r = Σ_p M_rp, ubiquity u_p = Σ_r M_rp.
//   - Proximity (Hidalgo et al. 2007): φ_pq = Σ_r M_rp M_rq / max(u_p, u_q),
//     with φ_pp = 0.
//   - Density: density_rp = Σ_q M_rq φ_pq / Σ_q φ_pq.
//   - ECI and PCI (Hidalgo & Hausmann 2009; Hausmann, Hidalgo et al., The
//     Atlas of Economic Complexity, 2011/2014): with D = diag(d), U = diag(u),
//     M̃ = D⁻¹ M U⁻¹ Mᵀ. kc is the eigenvector of M̃'s second-largest
//     eigenvalue λ₂ and kp = U⁻¹ Mᵀ kc / λ₂, equivalently the eigenvector of
//     U⁻¹ Mᵀ D⁻¹ M with kc = D⁻¹ M kp (this pairing fixes their relative
//     scale, which matters because PCI borrows ECI's moments). Both signs
//     flip together so that kc correlates positively with diversity. Then
//     ECI = (kc − μ)/σ and PCI = (kp − μ)/σ, where μ and σ are the mean and
//     the sample standard deviation of kc over the long region × activity
//     table, i.e. each region's value counted once per activity, as Stata's
//     summarize sees it (σ² = P·Σ_r (kc_r − μ)² / (R·P − 1)).
//   - COI: COI_r = Σ_p density_rp (1 − M_rp) kp_p, standardised with its own
//     mean and sample SD over the table. Note kp, not PCI: Stata computes it
//     before standardising PCI, and the standardised PCI would not give the
//     same result (the shift by μ does not cancel).
//   - COG: COG_rp = (1 − M_rp) Σ_q [φ_pq / Σ_p' φ_p'q] (1 − M_rq) kp_q / σ:
//     the proximity weights are normalised by the column sum of the
//     activity summed over (q), and PCI enters unstandardised but divided by
//     ECI's σ. COG is 0 where M = 1.
//   - Fitness and complexity (Tacchella, Cristelli, Caldarelli, Gabrielli &
//     Pietronero 2012, "A new metrics for countries' fitness and products'
//     complexity", Scientific Reports 2:723): from F = Q = 1, each step sets
//     F̃_r = Σ_p M_rp Q_p and Q̃_p = 1 / Σ_r (M_rp / F_r) from the previous
//     step's F and Q, then divides each by its mean; Options.FitnessIterations
//     is the number of steps.
//
// # Conventions found from the Stata fixture
//
// The fixture (Growth Lab py-ecomplexity's Stata ground truth) settled what
// the formulas leave open. Stata read the inputs as 32-bit floats: from those
// RCA agrees to 1e-16, from the float64 inputs to 1e-7. For the rest, the
// alternatives named below were tried and miss the fixture by 2e-3 or more:
//
//   - σ is the sample SD over the R×P table, not the SD over regions;
//   - PCI's sign follows ECI's and PCI = (kp − μ)/σ with kp = U⁻¹Mᵀkc/λ₂;
//   - COI uses unstandardised kp and is standardised over the table;
//   - COG normalises φ_pq by Σ_p' φ_p'q (not by Σ_q' φ_pq') and uses kp/σ.
//
// # Edge cases
//
// Regions and activities whose total is zero are dropped and listed in the
// result. Negative, NaN and infinite values are errors naming the region
// and activity. A region with no presence (diversity 0) or an activity with
// none (ubiquity 0) is an isolated node: it stays in the table with ECI or
// PCI NaN, and a warning (the region's density is 0 and its COI and fitness
// follow from the formulas; the activity's density is 0/0, NaN). The
// remaining bipartite network must be connected, otherwise the second
// eigenvalue is 1 and the eigenvector only separates the components:
// Compute refuses with a *DisconnectedError listing them. When every region
// has the same activities (λ₂ = 0) ECI, PCI and COI are NaN, and so is COG
// where M = 0, with a warning.
//
// # Numerical method
//
// M̃ is similar to the symmetric positive semi-definite S = D^{-1/2} M U⁻¹
// Mᵀ D^{-1/2}, and its activity-side companion to T = U^{-1/2} Mᵀ D⁻¹ M
// U^{-1/2}; they share their non-zero eigenvalues, all in [0, 1]. The smaller
// of the two is built and reduced to tridiagonal form by Householder
// reflections, λ₂ is found by Sturm-sequence bisection and its eigenvector
// by inverse iteration (Golub & Van Loan, Matrix Computations, 4th ed.,
// §8.3–8.4), then the known leading eigenvector (√d or √u) is projected out.
// This is accurate to rounding whatever the rest of the spectrum looks like
// (only λ₂ ≈ λ₃ leaves the eigenvector ill-determined, and that is warned
// about). The reduction is bound by memory traffic, so it updates each row
// and applies the next reflector to it in one pass, with rows split among
// the cores (same operations in the same order: the result does not depend
// on the number of cores). A 300 × 1,400 table takes about 0.1 s in all on
// two cores, 226 × 785 (the Atlas's SITC size) 20 ms, 3,000 × 1,400 about
// 1.2 s and 220 MB (bench/complexity.sh).
// Proximity uses bit sets and popcounts; density and COG sum, per region,
// over whichever of its present or absent activities are fewer.
//
// # Sources
//
//   - Balassa, B. (1965). Trade liberalisation and "revealed" comparative
//     advantage. The Manchester School 33(2), 99–123.
//   - Hidalgo, C. A., Klinger, B., Barabási, A.-L. & Hausmann, R. (2007).
//     The product space conditions the development of nations. Science
//     317, 482–487.
//   - Hidalgo, C. A. & Hausmann, R. (2009). The building blocks of economic
//     complexity. PNAS 106(26), 10570–10575.
//   - Hausmann, R., Hidalgo, C. A., Bustos, S., Coscia, M., Simoes, A. &
//     Yildirim, M. A. The Atlas of Economic Complexity. MIT Press (2014;
//     first edition 2011).
//   - Tacchella, A., Cristelli, M., Caldarelli, G., Gabrielli, A. &
//     Pietronero, L. (2012). Scientific Reports 2, 723.
//   - Growth Lab at Harvard's Center for International Development: the Stata
//     command ecomplexity (Bustos & Yildirim) and the Python package
//     py-ecomplexity, whose test data are the fixture in testdata/. Only
//     their documented behaviour and output were used, not their code.
package complexity
