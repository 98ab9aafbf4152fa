// Package refdata embeds Indus's reference data: the GB/T 4754-2017
// industry classification (with amendment 1), Chongqing's 41 evaluation
// units with their "one district, two clusters" regions, standard-coal and
// CO₂ conversion factors, and the default cluster system.
//
// The CSV files under data/ are copied from the project's shared reference
// data; they are parsed once, on first use, and never change at run time.
package refdata
