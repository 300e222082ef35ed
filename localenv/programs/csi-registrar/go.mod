// Our own kubelet plugin registrar for the Secrets Store CSI driver (node-driver-registrar is not served by the Go
// module proxy). Built by scripts/toolchain.sh (tool csi-registrar), which makes go.sum; versions match kubelet 1.37.2.
module local/csi-registrar

go 1.26

require (
	google.golang.org/grpc v1.82.1
	k8s.io/kubelet v0.37.2
)
