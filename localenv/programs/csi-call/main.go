// csi-call calls a CSI driver over its unix socket the way the kubelet does, so that the driver can be checked and
// exercised without a kubelet:
//
//	csi-call probe     --endpoint SOCKET [--driver-name NAME] [--timeout 30s]
//	    waits until the driver answers GetPluginInfo with NAME and Probe with ready (not false)
//	csi-call publish   --endpoint SOCKET --volume-id ID --target DIR [--attr KEY=VALUE]... [--attrs-file F] [--secrets-file F]
//	    NodePublishVolume of a read-only mount volume, as for an inline (Ephemeral) volume; --attrs-file and
//	    --secrets-file hold JSON string maps (volume context and node-publish secrets: keep tokens and secrets off
//	    the command line)
//	csi-call unpublish --endpoint SOCKET --volume-id ID --target DIR
//
// It prints what it did, never an attribute or secret value; gRPC errors go to stderr with exit status 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// keyValues collects repeated --attr KEY=VALUE flags.
type keyValues map[string]string

func (kv keyValues) String() string { return fmt.Sprint(len(kv)) }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	kv[k] = v
	return nil
}

func readStringMap(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: want a JSON object of strings: %w", path, err)
	}
	return m, nil
}

func dial(endpoint string) (*grpc.ClientConn, error) {
	return grpc.NewClient("unix://"+endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// probe asks once; errNotYet marks answers worth retrying.
var errNotYet = errors.New("not ready yet")

func probeOnce(ctx context.Context, conn *grpc.ClientConn, driverName string) error {
	identity := csi.NewIdentityClient(conn)
	info, err := identity.GetPluginInfo(ctx, &csi.GetPluginInfoRequest{})
	if err != nil {
		return fmt.Errorf("%w: GetPluginInfo: %v", errNotYet, err)
	}
	if driverName != "" && info.GetName() != driverName {
		return fmt.Errorf("driver at the socket is %q, want %q", info.GetName(), driverName)
	}
	ready, err := identity.Probe(ctx, &csi.ProbeRequest{})
	if err != nil {
		return fmt.Errorf("%w: Probe: %v", errNotYet, err)
	}
	if r := ready.GetReady(); r != nil && !r.GetValue() {
		return fmt.Errorf("%w: Probe says not ready", errNotYet)
	}
	fmt.Printf("driver %s %s answers\n", info.GetName(), info.GetVendorVersion())
	return nil
}

func probe(args []string) error {
	fs := flag.NewFlagSet("probe", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "driver socket path")
	driverName := fs.String("driver-name", "", "name the driver must report (empty: any)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to keep asking")
	fs.Parse(args)
	if *endpoint == "" {
		return errors.New("--endpoint is required")
	}
	conn, err := dial(*endpoint)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(*timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = probeOnce(ctx, conn, *driverName)
		cancel()
		if err == nil || !errors.Is(err, errNotYet) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func publish(args []string) error {
	fs := flag.NewFlagSet("publish", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "driver socket path")
	volumeID := fs.String("volume-id", "", "volume handle (the kubelet uses csi-<hash> for inline volumes)")
	target := fs.String("target", "", "target path to mount at")
	attrsFile := fs.String("attrs-file", "", "JSON string map merged into the volume context (e.g. service account tokens)")
	secretsFile := fs.String("secrets-file", "", "JSON string map sent as node-publish secrets")
	timeout := fs.Duration("timeout", 2*time.Minute, "call timeout")
	attrs := keyValues{}
	fs.Var(attrs, "attr", "volume context entry KEY=VALUE (repeatable)")
	fs.Parse(args)
	if *endpoint == "" || *volumeID == "" || *target == "" {
		return errors.New("--endpoint, --volume-id and --target are required")
	}
	fromFile, err := readStringMap(*attrsFile)
	if err != nil {
		return err
	}
	for k, v := range fromFile {
		attrs[k] = v
	}
	secrets, err := readStringMap(*secretsFile)
	if err != nil {
		return err
	}
	conn, err := dial(*endpoint)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	_, err = csi.NewNodeClient(conn).NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{
		VolumeId:   *volumeID,
		TargetPath: *target,
		Readonly:   true,
		VolumeCapability: &csi.VolumeCapability{
			AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
			AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
		},
		VolumeContext: attrs,
		Secrets:       secrets,
	})
	if err != nil {
		return fmt.Errorf("NodePublishVolume: %w", err)
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("published %s at %s in %s (volume context keys: %s; %d secret(s))\n", *volumeID, *target,
		time.Since(start).Round(time.Millisecond), strings.Join(keys, ","), len(secrets))
	return nil
}

func unpublish(args []string) error {
	fs := flag.NewFlagSet("unpublish", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "driver socket path")
	volumeID := fs.String("volume-id", "", "volume handle")
	target := fs.String("target", "", "target path")
	fs.Parse(args)
	if *endpoint == "" || *volumeID == "" || *target == "" {
		return errors.New("--endpoint, --volume-id and --target are required")
	}
	conn, err := dial(*endpoint)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := csi.NewNodeClient(conn).NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: *volumeID, TargetPath: *target}); err != nil {
		return fmt.Errorf("NodeUnpublishVolume: %w", err)
	}
	fmt.Printf("unpublished %s from %s\n", *volumeID, *target)
	return nil
}

func main() {
	commands := map[string]func([]string) error{"probe": probe, "publish": publish, "unpublish": unpublish}
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: csi-call probe|publish|unpublish --endpoint SOCKET ... (see the comment at the top of main.go)")
		os.Exit(2)
	}
	if err := commands[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "csi-call %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
