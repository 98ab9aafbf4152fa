// Package analysis holds the services that both the HTTP server and the CLI
// call: they read through the ingest readers, load and save through the
// store, and run the pure computations of the calc packages.
package analysis
