package netjail

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newJail makes a real network namespace: it needs root (CAP_SYS_ADMIN).
func newJail(t *testing.T) *Jail {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: creating a network namespace needs CAP_SYS_ADMIN (run the tests as root to cover netjail)")
	}
	jail, err := New()
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("root without the capability to create a network namespace (an unprivileged container?): %v", err)
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return jail
}

// serve answers each connection with greeting followed by the first line it reads, until l is closed.
func serve(l net.Listener, greeting string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			line, _ := bufio.NewReader(c).ReadString('\n')
			_, _ = io.WriteString(c, greeting+line)
		}()
	}
}

// ask sends a line on c and returns the whole answer.
func ask(t *testing.T, c net.Conn, line string) (string, error) {
	t.Helper()
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	answer, err := io.ReadAll(c)
	return string(answer), err
}

func portOf(l net.Listener) int { return l.Addr().(*net.TCPAddr).Port }

func testLog(t *testing.T) func(string, ...any) {
	return func(format string, args ...any) { t.Logf("[netjail] "+format, args...) }
}

func TestAListenerInsideIsNotReachableFromTheHost(t *testing.T) {
	jail := newJail(t)
	inside, err := jail.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inside.Close()
	go serve(inside, "inside:")
	// from the namespace it answers
	c, err := jail.Dial(inside.Addr().String())
	if err != nil {
		t.Fatalf("dial inside: %v", err)
	}
	if answer, err := ask(t, c, "ping"); err != nil || answer != "inside:ping\n" {
		t.Fatalf("inside answered %q, %v", answer, err)
	}
	// from the host's namespace the same address does not reach it: refused, or someone else's port
	if c, err := net.DialTimeout("tcp", inside.Addr().String(), 2*time.Second); err == nil {
		if answer, _ := ask(t, c, "ping"); strings.HasPrefix(answer, "inside:") {
			t.Fatalf("the host reached the listener inside the namespace at %s", inside.Addr())
		}
	}
	// nor does the wildcard address of the same port: ":PORT" inside is the namespace's own
	wildcard, err := jail.Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	defer wildcard.Close()
	go serve(wildcard, "inside:")
	for _, host := range hostAddresses(t) {
		address := net.JoinHostPort(host, strconv.Itoa(portOf(wildcard)))
		if c, err := net.DialTimeout("tcp", address, 2*time.Second); err == nil {
			if answer, _ := ask(t, c, "ping"); strings.HasPrefix(answer, "inside:") {
				t.Fatalf("the host reached the namespace's :%d at %s", portOf(wildcard), address)
			}
		}
	}
}

// hostAddresses are the host's IPv4 addresses, loopback included.
func hostAddresses(t *testing.T) []string {
	addresses, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, a := range addresses {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil {
			hosts = append(hosts, ip.IP.String())
		}
	}
	return hosts
}

func TestForwardersWorkBothWaysAndAFailedDialResets(t *testing.T) {
	jail := newJail(t)
	// a way out: 127.0.0.1:P inside reaches the host's 127.0.0.1:P
	host, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go serve(host, "host:")
	address := host.Addr().String()
	way, err := jail.Listen(address)
	if err != nil {
		t.Fatal(err)
	}
	defer way.Close()
	go Forward(way, func() (net.Conn, error) { return net.Dial("tcp", address) }, testLog(t))
	c, err := jail.Dial(address)
	if err != nil {
		t.Fatalf("dial %s inside: %v", address, err)
	}
	if answer, err := ask(t, c, "out"); err != nil || answer != "host:out\n" {
		t.Fatalf("through the way out: %q, %v", answer, err)
	}

	// a way in: the host's 127.0.0.1:H reaches 127.0.0.1:I inside
	inside, err := jail.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inside.Close()
	go serve(inside, "inside:")
	in, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	go Forward(in, func() (net.Conn, error) { return jail.Dial(inside.Addr().String()) }, testLog(t))
	c, err = net.Dial("tcp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if answer, err := ask(t, c, "in"); err != nil || answer != "inside:in\n" {
		t.Fatalf("through the way in: %q, %v", answer, err)
	}

	// the host's server gone: a connection through the way out is reset, as near to refused as a forwarder gets
	host.Close()
	if c, err := net.DialTimeout("tcp", address, time.Second); err == nil {
		c.Close()
		t.Skipf("something else took %s on the host", address)
	}
	// The reset may come before the client's connect has returned (it fails then) or after (the first read or write
	// fails): either way the client sees "connection reset by peer".
	c, err = jail.Dial(address)
	if err == nil {
		var answer string
		answer, err = ask(t, c, "out")
		if err == nil {
			t.Fatalf("with the host's server gone: answer %q; want connection reset", answer)
		}
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("with the host's server gone: %v; want connection reset", err)
	}
	t.Logf("with the host's server gone: %v", err)
}

func TestTheChildRunsInTheNamespace(t *testing.T) {
	jail := newJail(t)
	jailNS, err := jail.NetNS()
	if err != nil {
		t.Fatal(err)
	}
	hostNS, err := threadNS()
	if err != nil {
		t.Fatal(err)
	}
	if jailNS == hostNS {
		t.Fatalf("the jail's thread is in the host's network namespace %s", hostNS)
	}
	// threads the runtime starts now (each goroutine locked to one needs a thread of its own) are the host's
	results := make(chan string)
	release := make(chan struct{})
	for range 16 {
		go func() {
			// locked while it waits, so that every one of them holds a thread
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ns, _ := os.Readlink("/proc/thread-self/ns/net")
			results <- ns
			<-release
		}()
	}
	for range 16 {
		if ns := <-results; ns != hostNS {
			t.Errorf("a new thread is in %q, not the host's %s", ns, hostNS)
		}
	}
	close(release)
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := jail.Start(cmd); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	childNS, err := os.Readlink("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if childNS != jailNS || childNS == hostNS {
		t.Fatalf("child in %s; jail %s, host %s", childNS, jailNS, hostNS)
	}
	t.Logf("host %s, jail and child %s", hostNS, childNS)
}

// threadNS is the network namespace of the calling goroutine's thread.
func threadNS() (string, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return os.Readlink("/proc/thread-self/ns/net")
}

// TestSuperviseRunsTheProgramInsideAndExitsWithIt runs a shell inside with a way in and a way out, and checks its exit
// code comes back.
func TestSuperviseRunsTheProgramInsideAndExitsWithIt(t *testing.T) {
	newJail(t) // skips where no namespace can be made
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	hostNS, err := threadNS()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, err := Supervise(Config{Argv: []string{"sh", "-c", "readlink /proc/self/ns/net > " + dir + "/ns; exit 7"}, Logf: testLog(t)})
	if err != nil || code != 7 {
		t.Fatalf("Supervise: code %d, %v; want 7", code, err)
	}
	ns, err := os.ReadFile(dir + "/ns")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(ns)); got == "" || got == hostNS {
		t.Fatalf("the program ran in %q, the host's namespace is %s", got, hostNS)
	}
}
