package toolchain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// writeProviderEmbeds writes what upstream's cmd/pulumi-resource-kubernetes/generate.go makes and the module zip
// lacks: schema.json with its version stamped, and terraform-mapping.json, both compact.
func writeProviderEmbeds(moduleDir, srcDir, version string) error {
	cmdDir := filepath.Join(moduleDir, "cmd", "pulumi-resource-kubernetes")
	schema, err := os.ReadFile(filepath.Join(cmdDir, "schema.json"))
	if err != nil {
		return err
	}
	stamped, err := withTopLevelField(schema, "version", version)
	if err != nil {
		return fmt.Errorf("schema.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(srcDir, "schema-embed.json"), stamped, 0o644); err != nil {
		return err
	}
	mapping, err := os.ReadFile(filepath.Join(cmdDir, "terraform-mapping.json"))
	if err != nil {
		return err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, mapping); err != nil {
		return fmt.Errorf("terraform-mapping.json: %w", err)
	}
	return os.WriteFile(filepath.Join(srcDir, "terraform-mapping-embed.json"), compact.Bytes(), 0o644)
}

// withTopLevelField is the JSON object doc, compact, with field set to the string value: in its place when doc has
// it, else last (as JavaScript's assignment does); the other members keep their order.
func withTopLevelField(doc []byte, field, value string) ([]byte, error) {
	decoder := json.NewDecoder(bytes.NewReader(doc))
	if token, err := decoder.Token(); err != nil || token != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	encodedValue, _ := json.Marshal(value)
	var out bytes.Buffer
	out.WriteByte('{')
	found := false
	for decoder.More() {
		keyToken, err := decoder.Token()
		if err != nil {
			return nil, err
		}
		key := keyToken.(string)
		var member json.RawMessage
		if err := decoder.Decode(&member); err != nil {
			return nil, err
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		encodedKey, _ := json.Marshal(key)
		out.Write(encodedKey)
		out.WriteByte(':')
		if key == field {
			out.Write(encodedValue)
			found = true
			continue
		}
		if err := json.Compact(&out, member); err != nil {
			return nil, err
		}
	}
	if !found {
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		encodedKey, _ := json.Marshal(field)
		out.Write(encodedKey)
		out.WriteByte(':')
		out.Write(encodedValue)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
