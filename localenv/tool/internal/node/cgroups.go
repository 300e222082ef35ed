package node

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroupHierarchies are the cgroup v1 hierarchies mounted under /sys/fs/cgroup (a v2 one has cgroup.controllers).
func cgroupHierarchies() []string {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/cgroup.procs")
	var v1 []string
	for _, procs := range dirs {
		dir := filepath.Dir(procs)
		if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); os.IsNotExist(err) {
			v1 = append(v1, dir)
		}
	}
	return v1
}

// cgroupPids are the processes in the cgroup root's subtree, in every v1 hierarchy (the pods' containers).
func cgroupPids(root string) []int {
	seen := map[int]bool{}
	var pids []int
	for _, hierarchy := range cgroupHierarchies() {
		_ = filepath.WalkDir(filepath.Join(hierarchy, root), func(path string, entry os.DirEntry, err error) error {
			if err != nil || entry.Name() != "cgroup.procs" {
				return nil
			}
			data, _ := os.ReadFile(path)
			for _, field := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(field); err == nil && !seen[pid] {
					seen[pid] = true
					pids = append(pids, pid)
				}
			}
			return nil
		})
	}
	return pids
}

// removeCgroups removes the cgroup root's subtree deepest first (a v1 cgroup goes with rmdir once it is empty) and
// returns the cgroups that remain.
func removeCgroups(root string) []string {
	var left []string
	for _, hierarchy := range cgroupHierarchies() {
		top := filepath.Join(hierarchy, root)
		var dirs []string
		_ = filepath.WalkDir(top, func(path string, entry os.DirEntry, err error) error {
			if err == nil && entry.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			_ = os.Remove(dirs[i])
		}
		if _, err := os.Stat(top); err == nil {
			left = append(left, top)
		}
	}
	return left
}
