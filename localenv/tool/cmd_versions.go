package main

import (
	"fmt"
	"os"

	"aks-keyvault-secrets/localenv/internal/versions"
)

func init() {
	register("versions", "print localenv/versions.json; --markdown: a table of tool, version, source", runVersions)
}

func runVersions(args []string) error {
	flags := newFlags("versions")
	markdown := flags.Bool("markdown", false, "a Markdown table for the docs")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	data, err := os.ReadFile(versions.File(localenvDir()))
	if err != nil {
		return err
	}
	if _, err := versions.Parse(data); err != nil {
		return err
	}
	if !*markdown {
		_, err := os.Stdout.Write(data)
		return err
	}
	table, err := versions.Markdown(data)
	if err != nil {
		return err
	}
	fmt.Print(table)
	return nil
}
