package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"aks-keyvault-secrets/localenv/internal/proc"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

// checkListeners: every TCP port a process of the environment (a pid file's process or a descendant) listens on in
// this namespace is on loopback, but for the kubelet's API on the node's own address, and none is on a wildcard
// address; the Azure provider runs in a network namespace other than this one (docs/local-node.md, "What listens,
// and where").
func checkListeners(sd statedir.Dir) error {
	sockets := map[string]int{} // socket inode -> pid
	for _, pid := range environmentPids(sd) {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
				sockets[strings.TrimSuffix(inode, "]")] = pid
			}
		}
	}
	kubeletPort, _ := sd.Port("kubelet")
	var listening, problems []string
	for _, table := range []string{"/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"} {
		for _, l := range listeners(table) {
			pid, ours := sockets[l.inode]
			if !ours {
				continue
			}
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			where := fmt.Sprintf("%s (%s)", net.JoinHostPort(l.ip.String(), strconv.Itoa(l.port)), strings.TrimSpace(string(comm)))
			listening = append(listening, where)
			if !l.ip.IsLoopback() && (l.ip.IsUnspecified() || l.port != kubeletPort) {
				problems = append(problems, where)
			}
		}
	}
	if len(listening) == 0 {
		return fmt.Errorf("no listening port of the environment found (pid files in %s)", sd)
	}
	if len(problems) > 0 {
		return fmt.Errorf("listening outside loopback: %s", strings.Join(problems, ", "))
	}
	smokeLog("listening in the host's network namespace: %s", strings.Join(listening, ", "))
	supervisor := proc.ReadPid(string(sd), "csi-provider")
	provider := 0
	for pid, parent := range parents() {
		if parent == supervisor && supervisor != 0 {
			provider = pid
		}
	}
	hostNS, err1 := os.Readlink("/proc/thread-self/ns/net")
	providerNS, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", provider))
	if provider == 0 || err1 != nil || err2 != nil || providerNS == hostNS {
		return fmt.Errorf("the Azure provider (pid %d, child of the csi-provider pid %d) is not in a network namespace of its own: %s, ours %s (%v, %v)",
			provider, supervisor, providerNS, hostNS, err1, err2)
	}
	smokeLog("the Azure provider (pid %d) runs in network namespace %s, not the host's %s", provider, providerNS, hostNS)
	return nil
}

// environmentPids are the processes of the state dir's pid files and all their descendants.
func environmentPids(sd statedir.Dir) []int {
	files, _ := filepath.Glob(filepath.Join(string(sd), "*.pid"))
	var pids []int
	for _, file := range files {
		if pid := proc.ReadPid(string(sd), strings.TrimSuffix(filepath.Base(file), ".pid")); pid != 0 {
			pids = append(pids, pid)
		}
	}
	parent := parents()
	for grew := true; grew; {
		grew = false
		for pid, ppid := range parent {
			if slices.Contains(pids, ppid) && !slices.Contains(pids, pid) {
				pids = append(pids, pid)
				grew = true
			}
		}
	}
	return pids
}

// parents maps every process to its parent.
func parents() map[int]int {
	parent := map[int]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, file := range stats {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: the command name may hold spaces and parentheses
		end := strings.LastIndexByte(string(data), ')')
		fields := strings.Fields(string(data[end+1:]))
		pid, err1 := strconv.Atoi(filepath.Base(filepath.Dir(file)))
		if end < 0 || len(fields) < 2 || err1 != nil {
			continue
		}
		if ppid, err := strconv.Atoi(fields[1]); err == nil {
			parent[pid] = ppid
		}
	}
	return parent
}

type listener struct {
	ip    net.IP
	port  int
	inode string
}

// listeners are the LISTEN sockets of a /proc/net/tcp or tcp6 table.
func listeners(table string) []listener {
	data, err := os.ReadFile(table)
	if err != nil {
		return nil
	}
	var found []listener
	for _, line := range strings.Split(string(data), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 10 || fields[3] != "0A" {
			continue
		}
		if ip, port, ok := parseProcNetAddress(fields[1]); ok {
			found = append(found, listener{ip: ip, port: port, inode: fields[9]})
		}
	}
	return found
}

// parseProcNetAddress reads "0100007F:1F90" (IPv4) or 32 hex digits and a port (IPv6): the address is printed as
// 32-bit words in the host's byte order.
func parseProcNetAddress(text string) (net.IP, int, bool) {
	addr, portHex, ok := strings.Cut(text, ":")
	raw, err := hex.DecodeString(addr)
	port, err2 := strconv.ParseUint(portHex, 16, 16)
	if !ok || err != nil || err2 != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil, 0, false
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	return ip, int(port), true
}
