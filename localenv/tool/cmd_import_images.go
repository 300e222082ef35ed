package main

import (
	"errors"
	"flag"

	"aks-keyvault-secrets/localenv/internal/node"
	"aks-keyvault-secrets/localenv/internal/statedir"
	"aks-keyvault-secrets/localenv/internal/toolchain"
)

func init() {
	register("import-images", "with the node: our probe image under each NAME, so pods run it without a registry", runImportImages)
}

func runImportImages(args []string) error {
	fs := flag.NewFlagSet("import-images", flag.ContinueOnError)
	stateDir := fs.String("state-dir", defaultStateDir(), "state dir of the cluster")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: localenv/localenv import-images [--state-dir DIR] NAME...")
	}
	sd, err := statedir.Open(*stateDir)
	if err != nil {
		return err
	}
	return importImages(sd, fs.Args())
}

func importImages(sd statedir.Dir, names []string) error {
	tc, err := toolchain.Open(localenvDir(), toolchain.DefaultCache(), "")
	if err != nil {
		return err
	}
	ctr, err := tc.BuiltBinary("ctr")
	if err != nil {
		return err
	}
	return node.ImportImages(sd, node.Binaries{Ctr: ctr, ImagesDir: tc.NodeImagesDir()}, names)
}
