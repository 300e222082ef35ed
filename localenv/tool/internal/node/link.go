package node

import (
	"encoding/binary"
	"errors"
	"net"
	"syscall"
)

// deleteLink deletes a network interface with one rtnetlink RTM_DELLINK request (what `ip link delete` sends), so
// the node needs no iproute2.
func deleteLink(name string) error {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return err
	}
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	kernel := &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	// struct nlmsghdr (16 bytes), then struct ifinfomsg (16 bytes: family, pad, type, index, flags, change)
	request := make([]byte, syscall.NLMSG_HDRLEN+syscall.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(request[0:], uint32(len(request)))
	binary.NativeEndian.PutUint16(request[4:], syscall.RTM_DELLINK)
	binary.NativeEndian.PutUint16(request[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_ACK)
	binary.NativeEndian.PutUint32(request[8:], 1)
	request[syscall.NLMSG_HDRLEN] = syscall.AF_UNSPEC
	binary.NativeEndian.PutUint32(request[syscall.NLMSG_HDRLEN+4:], uint32(iface.Index))
	if err := syscall.Sendto(fd, request, 0, kernel); err != nil {
		return err
	}
	answer := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, answer, 0)
	if err != nil {
		return err
	}
	messages, err := syscall.ParseNetlinkMessage(answer[:n])
	if err != nil {
		return err
	}
	for _, m := range messages {
		if m.Header.Type == syscall.NLMSG_ERROR && len(m.Data) >= 4 {
			if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
				return syscall.Errno(-errno)
			}
			return nil
		}
	}
	return errors.New("no acknowledgement from the kernel")
}
