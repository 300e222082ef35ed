// Our own kubelet plugin registrar for the Secrets Store CSI driver (node-driver-registrar is not served by the Go
// module proxy). Built by localenv/localenv build (tool csi-registrar), which makes go.sum; versions match the kubelet of
// versions.json (the versions test checks k8s.io/kubelet).
module local/csi-registrar

go 1.26

require (
	google.golang.org/grpc v1.82.1
	k8s.io/kubelet v0.37.2
)
