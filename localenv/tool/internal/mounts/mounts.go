// Package mounts finds the mount points at or under a directory, to unmount them before removing it and to never
// follow one into what it shows.
package mounts

import (
	"os"
	"sort"
	"strings"
)

// Under lists the mount points of a /proc/mounts text at or under dir, deepest first, each once.
func Under(procMounts, dir string) []string {
	dir = strings.TrimRight(dir, "/")
	seen := map[string]bool{}
	var found []string
	for _, line := range strings.Split(procMounts, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		point := unescape(fields[1])
		if (point == dir || strings.HasPrefix(point, dir+"/")) && !seen[point] {
			seen[point] = true
			found = append(found, point)
		}
	}
	// deeper paths are longer; equal lengths cannot contain each other
	sort.SliceStable(found, func(i, j int) bool { return len(found[i]) > len(found[j]) })
	return found
}

// UnderNow reads this mount namespace's mounts.
func UnderNow(dir string) ([]string, error) {
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return nil, err
	}
	return Under(string(data), dir), nil
}

// unescape undoes the kernel's octal escapes of space, tab, newline and backslash in mount points.
func unescape(field string) string {
	if !strings.Contains(field, `\`) {
		return field
	}
	var b strings.Builder
	for i := 0; i < len(field); i++ {
		if field[i] == '\\' && i+3 < len(field) && isOctal(field[i+1:i+4]) {
			b.WriteByte((field[i+1]-'0')<<6 | (field[i+2]-'0')<<3 | (field[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(field[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}
