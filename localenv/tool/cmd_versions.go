package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

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
	table, err := versionsTable(data)
	if err != nil {
		return err
	}
	fmt.Print(table)
	return nil
}

// versionsTable is one row per entry of versions.json, in the file's order: its versions (all but source), and its
// source. A nested entry (a lane) is a row of its own.
func versionsTable(data []byte) (string, error) {
	var b strings.Builder
	b.WriteString("| tool | version | source |\n|---|---|---|\n")
	err := eachMember(data, func(name string, value json.RawMessage) error {
		if strings.HasPrefix(name, "$") {
			return nil
		}
		return versionsRows(&b, name, value)
	})
	return b.String(), err
}

func versionsRows(b *strings.Builder, name string, value json.RawMessage) error {
	var parts []string
	source := ""
	var nested []func() error
	err := eachMember(value, func(key string, member json.RawMessage) error {
		var text string
		if json.Unmarshal(member, &text) != nil {
			nested = append(nested, func() error { return versionsRows(b, name+"."+key, member) })
			return nil
		}
		if key == "source" {
			source = text
		} else {
			parts = append(parts, key+" "+text)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "| %s | %s | %s |\n", name, strings.Join(parts, ", "), strings.ReplaceAll(source, "|", `\|`))
	for _, row := range nested {
		if err := row(); err != nil {
			return err
		}
	}
	return nil
}

// eachMember calls visit for each member of a JSON object, in the document's order (a map would sort them).
func eachMember(object []byte, visit func(name string, value json.RawMessage) error) error {
	decoder := json.NewDecoder(bytes.NewReader(object))
	if token, err := decoder.Token(); err != nil || token != json.Delim('{') {
		return fmt.Errorf("versions.json: not an object where one was expected")
	}
	for decoder.More() {
		key, err := decoder.Token()
		if err != nil {
			return err
		}
		var value json.RawMessage
		if err := decoder.Decode(&value); err != nil {
			return err
		}
		if err := visit(key.(string), value); err != nil {
			return err
		}
	}
	return nil
}
