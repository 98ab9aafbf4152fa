// Package cluster holds the pure computations of cluster monitoring: rolling
// cluster figures up from evaluation units to regions and the city, growth
// on the comparable and the raw basis, contributions and shares,
// concentration, progress towards targets, specialisation (location
// quotients, the US Cluster Mapping strong-cluster rule, the European Cluster
// Observatory stars) and early-warning rules on monthly series. It does no
// I/O: the analysis services load the sums through the store and call it, so
// results are the same on every database engine.
//
// # Growth
//
// Statistics bureaus publish year-on-year growth on the comparable basis
// (可比口径): only enterprises that report in both periods count, so firms
// entering or leaving the above-size population do not show up as growth:
//
//	g_comparable = Σ_{i ∈ both} x_i,t ÷ Σ_{i ∈ both} x_i,t−1 − 1
//	g_raw        = Σ_{i ∈ t} x_i,t ÷ Σ_{i ∈ t−1} x_i,t−1 − 1
//
// Growth is undefined (NaN) when the earlier sum is not positive.
//
// The contribution of a part (a cluster, or a cluster in one unit) to the
// growth of a whole (the city's above-size industry, counted once) in
// percentage points is its change over the whole's earlier level,
//
//	c = (x_part,t − x_part,t−1) ÷ X_whole,t−1 × 100,
//
// so contributions of disjoint parts add up to the whole's growth in
// percent. Clusters overlap (an enterprise can belong to several), so their
// contributions do not add up to the city's growth; the contributions of one
// cluster's units add up to the cluster's.
//
// # Concentration
//
// Herfindahl–Hirschman index over enterprise output shares s_i = x_i ÷ Σx,
// HHI = Σ s_i² = Σ x_i² ÷ (Σ x_i)², in [1/n, 1] (multiply by 10,000 for the
// "points" of competition authorities). The top-10 share is the sum of the
// ten largest outputs over the total. Both roll up from units to regions and
// the city without the enterprise list: Σx² adds up, and the ten largest of
// a union lie among the ten largest of each part.
//
// # Targets
//
// With V_b in base year b, V_y in the latest year y, and target T in year Y:
// actual CAGR = (V_y ÷ V_b)^(1/(y−b)) − 1; CAGR still needed = (T ÷ V_y)^(1/(Y−y))
// − 1; projected value P = V_y × (1 + actual CAGR)^(Y−y); ratio = P ÷ T for a
// target to reach or exceed (T ÷ P for one to stay under); the status is
// the first threshold, from the highest down, whose minimum ratio the ratio
// meets (the cluster file's status_thresholds: on track ≥ 1, at risk ≥ 0.9,
// else off track).
//
// # Specialisation
//
// Location quotient (US Cluster Mapping, Delgado, Porter and Stern 2014):
// LQ = (x_rc ÷ x_r) ÷ (x_c ÷ x), region r, cluster c, on employment or
// output. A cluster is strong in a region when its LQ is at least the 75th
// percentile of the cluster's LQs over the regions where it employs anyone
// and at least 1, and its employment and its establishments are at least
// their 25th percentiles (percentiles with linear interpolation, R's type
// 7). The European Cluster Observatory gives one star each for size
// (employment in the top 10 % of the regions in the same cluster category),
// specialisation (LQ ≥ 2) and focus (the cluster's share of the region's
// employment in the top 10 %). All thresholds are parameters.
//
// # Early warnings
//
// On an enterprise's monthly series: output down more than X % year on year
// in each of N consecutive months up to the month examined (defaults 20 %,
// 3); electricity in the month examined more than a given share (50 %)
// below the mean of the months before it and below the same month a year
// earlier; reports that stop: no figure for the month examined after one
// in the months just before it.
package cluster
