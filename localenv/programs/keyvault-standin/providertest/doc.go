// Package providertest holds only the differential test (provider_test.go); run it with
// `go test -count=1 .` in this directory.
package providertest
