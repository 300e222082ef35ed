package node

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"os"
	"strings"
)

// route is one IPv4 route of /proc/net/route.
type route struct {
	iface       string
	destination netip.Prefix
}

// parseRoutes reads /proc/net/route's text: addresses and masks in the host's (little-endian) byte order.
func parseRoutes(text string) []route {
	var routes []route
	scanner := bufio.NewScanner(strings.NewReader(text))
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 8 || fields[0] == "Iface" {
			continue
		}
		dest, errDest := hex.DecodeString(fields[1])
		mask, errMask := hex.DecodeString(fields[7])
		if errDest != nil || errMask != nil || len(dest) != 4 || len(mask) != 4 {
			continue
		}
		addr := netip.AddrFrom4([4]byte{dest[3], dest[2], dest[1], dest[0]})
		ones, bits := net.IPMask([]byte{mask[3], mask[2], mask[1], mask[0]}).Size()
		if bits == 0 { // not a prefix mask
			continue
		}
		routes = append(routes, route{iface: fields[0], destination: netip.PrefixFrom(addr, ones).Masked()})
	}
	return routes
}

func hostRoutes() ([]route, error) {
	data, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return nil, err
	}
	return parseRoutes(string(data)), nil
}

// pickPodCIDR chooses a 10.244.N.0/24 that no route of this host claims, starting at an N taken from the seed (the
// data dir's name), so two clusters starting at the same moment are unlikely to race for one. A broader route (a
// 10.0.0.0/8 through some gateway) does not count: the bridge's /24 is more specific and wins.
func pickPodCIDR(seed string, routes []route) (netip.Prefix, error) {
	h := fnv.New32a()
	h.Write([]byte(seed))
	start := int(h.Sum32() % 200)
	for i := range 200 {
		candidate := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte((start + i) % 200), 0}), 24)
		if !claimed(candidate, routes) {
			return candidate, nil
		}
	}
	return netip.Prefix{}, errors.New("no free 10.244.N.0/24 for the pods: every one has a route")
}

func claimed(candidate netip.Prefix, routes []route) bool {
	for _, r := range routes {
		if r.destination.Bits() >= candidate.Bits() && candidate.Overlaps(r.destination) {
			return true
		}
	}
	return false
}

// defaultRouteIP is the first IPv4 address of the default route's interface: the address the kubelet would pick
// itself (it refuses loopback, and this host's name resolves to 127.0.0.1), given to it explicitly so that it
// listens there and nowhere else.
func defaultRouteIP(routes []route) (net.IP, error) {
	for _, r := range routes {
		if r.destination.Bits() != 0 {
			continue
		}
		iface, err := net.InterfaceByName(r.iface)
		if err != nil {
			return nil, err
		}
		addrs, err := iface.Addrs()
		if err != nil {
			return nil, err
		}
		for _, addr := range addrs {
			if ipNet, ok := addr.(*net.IPNet); ok && ipNet.IP.To4() != nil && !ipNet.IP.IsLoopback() {
				return ipNet.IP.To4(), nil
			}
		}
		return nil, fmt.Errorf("the default route's interface %s has no IPv4 address", r.iface)
	}
	return nil, errors.New("this host has no default route: the kubelet needs a non-loopback address")
}
