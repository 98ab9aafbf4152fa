// Package indus holds Indus's domain types: enterprises and their annual and
// monthly facts, identifiers and their validation, and the domain error type
// that every layer returns. It performs no I/O.
package indus
