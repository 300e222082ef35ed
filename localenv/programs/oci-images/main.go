// Command oci-images writes a one-layer OCI image (an image-layout tar archive, what `ctr images import` reads) that
// holds one static binary and runs it as the entrypoint. The local cluster has no registry: its pause and probe
// images are built with this and imported into containerd.
//
//	oci-images --binary FILE --path /probe --name localhost/akv-probe:TAG --out probe.tar [--arch amd64]
//
// The archive is reproducible: the same binary and flags give the same bytes (fixed times, owners and order).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
)

func main() {
	var img Image
	var out string
	flag.StringVar(&img.Binary, "binary", "", "static binary to put into the image")
	flag.StringVar(&img.Path, "path", "", "absolute path of the binary in the image; also the entrypoint")
	flag.StringVar(&img.Name, "name", "", "image name the archive carries (io.containerd.image.name), e.g. localhost/akv-probe:1")
	flag.StringVar(&img.Arch, "arch", runtime.GOARCH, "image architecture")
	flag.StringVar(&out, "out", "", "archive to write")
	flag.Parse()
	var missing []string
	for _, f := range []struct{ name, value string }{{"--binary", img.Binary}, {"--path", img.Path}, {"--name", img.Name}, {"--out", out}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 || flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "oci-images: missing %v or extra arguments %v\n", missing, flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if err := WriteArchive(img, out); err != nil {
		fmt.Fprintln(os.Stderr, "oci-images:", err)
		os.Exit(1)
	}
}
