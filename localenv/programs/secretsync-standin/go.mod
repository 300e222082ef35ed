// secretsync-standin: our stand-in for the secrets-store-sync-controller (sigs.k8s.io/secrets-store-sync-controller
// is not served by the Go module proxy). It calls the Azure provider through the Secrets Store CSI driver's own
// provider/v1alpha1 gRPC client, as the controller does; the driver module is the addon lane's (the v1alpha1 API is
// the same in every lane, and the versions test keeps this require equal to versions.json). Built by
// localenv/localenv build, which makes go.sum.
module local/secretsync-standin

go 1.26

require (
	google.golang.org/grpc v1.79.3
	sigs.k8s.io/secrets-store-csi-driver v1.5.4
)

// The driver's graph holds the genproto monolith of 2023, which still carries googleapis/rpc, the package gRPC now
// takes from its own module: a later monolith (without it) keeps the import unambiguous.
require google.golang.org/genproto v0.0.0-20240311173647-c811ad7063a7 // indirect
