// csi-registrar registers a CSI driver with the kubelet: it serves the kubelet's plugin registration API
// (k8s.io/kubelet/pkg/apis/pluginregistration/v1) on a socket in the kubelet's plugins_registry directory, which the
// kubelet's plugin watcher picks up; the kubelet then talks to the driver's own CSI socket (the endpoint it is
// given here) and records the node in a CSINode object.
//
//	csi-registrar --registration-socket <kubelet root>/plugins_registry/<driver>-reg.sock \
//	              --csi-endpoint <kubelet root>/plugins/<driver dir>/csi.sock [--driver-name NAME]
//
// It exits non-zero when the kubelet reports that registration failed, and removes its socket when it exits
// (the kubelet deregisters the driver when the socket goes away).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

// supportedVersions are the CSI spec versions the kubelet may use with the driver (the driver speaks CSI 1.x).
var supportedVersions = []string{"1.0.0"}

// registrar answers the kubelet's plugin watcher. A failed registration is sent on failed (once).
type registrar struct {
	registerapi.UnimplementedRegistrationServer
	driverName  string
	csiEndpoint string
	failed      chan error
}

func newRegistrar(driverName, csiEndpoint string) *registrar {
	return &registrar{driverName: driverName, csiEndpoint: csiEndpoint, failed: make(chan error, 1)}
}

func (r *registrar) GetInfo(context.Context, *registerapi.InfoRequest) (*registerapi.PluginInfo, error) {
	log.Printf("kubelet asked for plugin info: %s at %s", r.driverName, r.csiEndpoint)
	return &registerapi.PluginInfo{
		Type:              registerapi.CSIPlugin,
		Name:              r.driverName,
		Endpoint:          r.csiEndpoint,
		SupportedVersions: supportedVersions,
	}, nil
}

func (r *registrar) NotifyRegistrationStatus(_ context.Context, status *registerapi.RegistrationStatus) (*registerapi.RegistrationStatusResponse, error) {
	if status.PluginRegistered {
		log.Printf("kubelet registered %s", r.driverName)
	} else {
		err := fmt.Errorf("kubelet did not register %s: %s", r.driverName, status.Error)
		log.Print(err)
		select {
		case r.failed <- err:
		default:
		}
	}
	return &registerapi.RegistrationStatusResponse{}, nil
}

// listen removes a stale socket left by an earlier run and listens on path (owner-only, like the kubelet's own).
func listen(path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing stale socket %s: %w", path, err)
	}
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	return net.Listen("unix", path)
}

// serve runs the registration server on lis until ctx ends (nil) or the kubelet reports a failed registration.
func serve(ctx context.Context, lis net.Listener, r *registrar) error {
	server := grpc.NewServer()
	registerapi.RegisterRegistrationServer(server, r)
	served := make(chan error, 1)
	go func() { served <- server.Serve(lis) }()
	select {
	case <-ctx.Done():
		server.GracefulStop()
		return nil
	case err := <-r.failed:
		// let the kubelet's NotifyRegistrationStatus call finish before the socket goes away
		time.Sleep(100 * time.Millisecond)
		server.Stop()
		return err
	case err := <-served:
		return fmt.Errorf("registration server stopped: %w", err)
	}
}

func run() error {
	socket := flag.String("registration-socket", "", "socket to serve in the kubelet's plugins_registry directory (required)")
	endpoint := flag.String("csi-endpoint", "", "path of the driver's CSI socket, as the kubelet reaches it (required)")
	driverName := flag.String("driver-name", "secrets-store.csi.k8s.io", "CSI driver name the kubelet registers")
	waitForEndpoint := flag.Duration("wait-for-endpoint", 30*time.Second, "how long to wait for the driver's socket to exist before serving")
	flag.Parse()
	if *socket == "" || *endpoint == "" {
		return errors.New("--registration-socket and --csi-endpoint are required")
	}
	// Registering before the driver listens would make the kubelet's first NodeGetInfo call fail.
	deadline := time.Now().Add(*waitForEndpoint)
	for {
		if _, err := os.Stat(*endpoint); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("driver socket %s not there after %s: %w", *endpoint, *waitForEndpoint, err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	lis, err := listen(*socket)
	if err != nil {
		return err
	}
	defer os.Remove(*socket)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log.Printf("serving plugin registration for %s on %s", *driverName, *socket)
	return serve(ctx, lis, newRegistrar(*driverName, *endpoint))
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if err := run(); err != nil {
		log.Printf("csi-registrar: %v", err)
		os.Exit(1)
	}
}
