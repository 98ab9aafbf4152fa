// Package ingest reads enterprise data files into domain records, row by
// row, and reports every problem with its file, row, column and value.
// It never touches the database: the analysis services decide what to do
// with the records and findings.
package ingest
