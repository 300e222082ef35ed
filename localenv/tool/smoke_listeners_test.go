package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"testing"
)

func TestParseProcNetAddress(t *testing.T) {
	// /proc/net/tcp prints each 32-bit word of the address as the host reads it
	word := func(a, b, c, d byte) string {
		return fmt.Sprintf("%08X", binary.NativeEndian.Uint32([]byte{a, b, c, d}))
	}
	for text, want := range map[string]string{
		word(127, 0, 0, 1) + ":1F90": "127.0.0.1:8080",
		word(0, 0, 0, 0) + ":0050":   "0.0.0.0:80",
		word(192, 0, 2, 2) + ":81A9": "192.0.2.2:33193",
		word(0, 0, 0, 0) + word(0, 0, 0, 0) + word(0, 0, 0, 0) + word(0, 0, 0, 1) + ":0016": "[::1]:22",
		word(0, 0, 0, 0) + word(0, 0, 0, 0) + word(0, 0, 0, 0) + word(0, 0, 0, 0) + ":0016": "[::]:22",
	} {
		ip, port, ok := parseProcNetAddress(text)
		if !ok {
			t.Errorf("%s: not parsed", text)
			continue
		}
		if got := net.JoinHostPort(ip.String(), strconv.Itoa(port)); got != want {
			t.Errorf("%s: %s, want %s", text, got, want)
		}
	}
	if _, _, ok := parseProcNetAddress("nonsense"); ok {
		t.Error("nonsense parsed")
	}
}
