// Package netjail runs a program in a network namespace of its own, with TCP forwarders as its only ways in and out.
// The lab's Azure Key Vault provider listens for healthz and Prometheus metrics on every interface (":PORT"; no flag
// names an address): in a namespace of its own "every interface" is that namespace's loopback, reachable from nowhere
// else (docs/local-node.md, "What listens, and where").
//
// A network namespace belongs to a thread, not to a process: Jail holds one OS thread (a goroutine locked to it for
// good) that unshares its network namespace and brings its lo up. A socket stays in the namespace of the thread that
// created it, so every socket meant for the inside is created on that thread (Listen, Dial), and the program is
// started from it too (Go forks from the calling thread, so the child inherits the namespace). Every other goroutine
// runs on threads still in the host's namespace: what they create is outside. The Go runtime starts new threads from
// a template thread while a locked thread has changed state, so none inherits the namespace by accident.
package netjail

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// Jail is a network namespace with lo up, held by one locked OS thread.
type Jail struct {
	calls chan func()
}

// New unshares a network namespace on a new locked thread and brings its loopback up. Needs CAP_SYS_ADMIN (root).
// The thread lives as long as the process.
func New() (*Jail, error) {
	j := &Jail{calls: make(chan func())}
	ready := make(chan error)
	go func() {
		// Never unlocked: if this goroutine ever returned, the runtime would end the thread with it rather than let
		// another goroutine run inside the namespace.
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			ready <- fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
			return
		}
		if err := loopbackUp(); err != nil {
			ready <- fmt.Errorf("bringing lo up in the new network namespace: %w", err)
			return
		}
		ready <- nil
		for call := range j.calls {
			call()
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return j, nil
}

// Do runs f on the namespace's thread and waits for it: what f creates (sockets, child processes) is inside.
func (j *Jail) Do(f func()) {
	done := make(chan struct{})
	j.calls <- func() {
		defer close(done)
		f()
	}
	<-done
}

// Listen opens a TCP listener inside the namespace.
func (j *Jail) Listen(address string) (l net.Listener, err error) {
	j.Do(func() { l, err = net.Listen("tcp", address) })
	return l, err
}

// Dial connects to a TCP address inside the namespace. The connection is made on the namespace's thread, which
// serves one call at a time; on loopback it is made or refused at once.
func (j *Jail) Dial(address string) (c net.Conn, err error) {
	j.Do(func() { c, err = net.DialTimeout("tcp", address, 5*time.Second) })
	return c, err
}

// Start starts cmd inside the namespace. With Pdeathsig set, the child gets it when the namespace's thread ends,
// which is when this process ends.
func (j *Jail) Start(cmd *exec.Cmd) (err error) {
	j.Do(func() { err = cmd.Start() })
	return err
}

// NetNS is the network namespace link of the namespace's thread (e.g. "net:[4026532301]"), to compare with
// /proc/<pid>/ns/net.
func (j *Jail) NetNS() (ns string, err error) {
	j.Do(func() { ns, err = os.Readlink(fmt.Sprintf("/proc/self/task/%d/ns/net", syscall.Gettid())) })
	return ns, err
}

// loopbackUp sets IFF_UP on lo of the calling thread's network namespace (what `ip link set lo up` does).
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	// struct ifreq: the name (IFNAMSIZ bytes), then a union of which SIOC[GS]IFFLAGS use a short
	var ifr [40]byte
	copy(ifr[:], "lo")
	flags := (*uint16)(unsafe.Pointer(&ifr[syscall.IFNAMSIZ]))
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		return fmt.Errorf("SIOCGIFFLAGS: %w", errno)
	}
	*flags |= syscall.IFF_UP
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		return fmt.Errorf("SIOCSIFFLAGS: %w", errno)
	}
	return nil
}

// Forward accepts connections on l until it is closed and joins each to a connection from dial. When dial fails the
// accepted connection is closed with a reset (SO_LINGER 0), the nearest a forwarder can come to the refusal the
// client would have met without it: its next read or write fails with "connection reset by peer". A reset on one
// side resets the other; an orderly close is passed on as a half-close. logf reports failed dials.
func Forward(l net.Listener, dial func() (net.Conn, error), logf func(format string, args ...any)) {
	for {
		in, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				logf("accept on %s: %v", l.Addr(), err)
			}
			return
		}
		go func() {
			out, err := dial()
			if err != nil {
				logf("%s: %v; resetting the connection from %s", l.Addr(), err, in.RemoteAddr())
				reset(in)
				return
			}
			join(in, out)
		}()
	}
}

// join copies both ways until both directions end.
func join(a, b net.Conn) {
	done := make(chan error, 2)
	copyTo := func(dst, src net.Conn) {
		_, err := io.Copy(dst, src)
		if err == nil {
			// the source closed its side: pass the half-close on
			if tcp, ok := dst.(*net.TCPConn); ok {
				_ = tcp.CloseWrite()
			}
		}
		done <- err
	}
	go copyTo(a, b)
	go copyTo(b, a)
	for range 2 {
		if err := <-done; err != nil {
			// a reset or another failure on one side: reset both, which also ends the other copy
			reset(a)
			reset(b)
		}
	}
	_ = a.Close()
	_ = b.Close()
}

func reset(c net.Conn) {
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = c.Close()
}
