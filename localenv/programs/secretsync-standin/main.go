// Command secretsync-standin is the local environment's stand-in for the secrets-store-sync-controller
// (sigs.k8s.io/secrets-store-sync-controller), which neither the Go module proxy nor a registry serves here. It
// keeps the Secrets that SecretSync objects (secret-sync.x-k8s.io/v1alpha1) describe, the way the controller does:
// it calls the class's provider over its unix socket with the provider/v1alpha1 gRPC client of the Secrets Store CSI
// driver, with a TokenRequest token of the SecretSync's service account, server-side applies the Secret and writes
// the SecretSync's status conditions. docs/secret-sync.md says what it reproduces and what not.
//
// It runs on the local node next to the driver and the provider (localenv/tool/internal/csi) and binds nothing: the
// controller's metrics and health ports have no use here.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: secretsync-standin serve --server URL --ca-file FILE --token-file FILE --provider-volume DIR [FLAGS]")
		os.Exit(2)
	}
	flags := flag.NewFlagSet("serve", flag.ExitOnError)
	server := flags.String("server", "", "the API server's URL")
	caFile := flags.String("ca-file", "", "the API server's CA (PEM)")
	tokenFile := flags.String("token-file", "", "the bearer token the stand-in uses")
	providerVolume := flags.String("provider-volume", "/provider", "the directory of the providers' sockets (<name>.sock), as the controller's --provider-volume")
	audiences := flags.String("token-request-audience", "", "audiences of the service account tokens passed to the provider, comma separated, as the controller's flag")
	rotation := flags.Duration("rotation-poll-interval", 12*time.Hour, "how often every SecretSync is reconciled again, as the controller's flag (0 turns it off)")
	watch := flags.Duration("watch-interval", time.Second, "how often SecretSyncs are listed to see new ones and spec changes (the controller watches)")
	maxRecv := flags.Int("max-call-recv-msg-size", 4*1024*1024, "the largest provider answer in bytes, as the controller's flag")
	_ = flags.Parse(os.Args[2:])
	if *server == "" || *caFile == "" || *tokenFile == "" {
		fmt.Fprintln(os.Stderr, "secretsync-standin: --server, --ca-file and --token-file are required")
		os.Exit(2)
	}
	api, err := newAPIClient(*server, *caFile, *tokenFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "secretsync-standin: %v\n", err)
		os.Exit(1)
	}
	audienceList := []string{}
	if *audiences != "" {
		audienceList = strings.Split(*audiences, ",")
	}
	p := &providers{dir: *providerVolume, maxRecv: *maxRecv, clients: map[string]v1alpha1Client{}}
	defer p.close()
	r := &reconciler{api: api, providers: p, tokens: &tokens{api: api, cache: map[string]cachedToken{}},
		audiences: audienceList, podName: os.Getenv("SYNC_CONTROLLER_POD_NAME"), podUID: os.Getenv("SYNC_CONTROLLER_POD_UID"), now: time.Now}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	fmt.Printf("secretsync-standin: providers in %s, token audiences %q, rotation poll every %s\n", *providerVolume, audienceList, *rotation)
	loop := newLoop(r, api, *watch, *rotation)
	if err := loop.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "secretsync-standin: %v\n", err)
		os.Exit(1)
	}
}
