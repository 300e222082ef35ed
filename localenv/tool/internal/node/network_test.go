package node

import (
	"net/netip"
	"testing"
)

// /proc/net/route of a host with a default route, a docker bridge and a /24 of another local cluster's pods
const procNetRoute = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
akv123	0005F40A	00000000	0001	0	0	0	00FFFFFF	0	0	0
`

func TestParseRoutes(t *testing.T) {
	routes := parseRoutes(procNetRoute)
	want := []string{"0.0.0.0/0", "192.0.2.0/24", "172.17.0.0/16", "10.244.5.0/24"}
	if len(routes) != len(want) {
		t.Fatalf("got %d routes, want %d", len(routes), len(want))
	}
	for i, w := range want {
		if routes[i].destination.String() != w {
			t.Errorf("route %d = %s, want %s", i, routes[i].destination, w)
		}
	}
	if routes[0].iface != "eth0" {
		t.Errorf("default route's interface = %q, want eth0", routes[0].iface)
	}
}

func TestPickPodCIDRSkipsTakenSubnets(t *testing.T) {
	free, err := pickPodCIDR("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	taken := []route{{destination: free}}
	again, err := pickPodCIDR("abc", taken)
	if err != nil {
		t.Fatal(err)
	}
	if again == free {
		t.Fatalf("picked %s although a route claims it", again)
	}
	// a more specific route inside the candidate claims it too
	inside := netip.PrefixFrom(free.Addr().Next().Next(), 30).Masked()
	if got, _ := pickPodCIDR("abc", []route{{destination: inside}}); got == free {
		t.Fatalf("picked %s although %s is routed elsewhere", got, inside)
	}
}

func TestPickPodCIDRIgnoresBroaderRoutes(t *testing.T) {
	free, _ := pickPodCIDR("abc", nil)
	broad := []route{{destination: netip.MustParsePrefix("0.0.0.0/0")}, {destination: netip.MustParsePrefix("10.0.0.0/8")}}
	if got, err := pickPodCIDR("abc", broad); err != nil || got != free {
		t.Fatalf("pickPodCIDR with only broader routes = %s, %v; want %s", got, err, free)
	}
}

func TestPickPodCIDRFailsWhenAllAreTaken(t *testing.T) {
	var all []route
	for n := range 200 {
		all = append(all, route{destination: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(n), 0}), 24)})
	}
	if got, err := pickPodCIDR("abc", all); err == nil {
		t.Fatalf("picked %s with every 10.244.N.0/24 routed", got)
	}
}

func TestPickPodCIDRDependsOnTheSeed(t *testing.T) {
	seen := map[netip.Prefix]bool{}
	for _, seed := range []string{"1", "2", "3", "4", "5", "6"} {
		cidr, _ := pickPodCIDR(seed, nil)
		seen[cidr] = true
	}
	if len(seen) < 2 {
		t.Fatal("six data dirs all start at the same subnet: two clusters started together would race for it")
	}
}
