// csi-call: a small CSI client that talks to a driver's socket the way the kubelet does (our own program; built by
// localenv/localenv build, which makes go.sum). The CSI spec version is the one the kubelet of versions.json uses.
module local/csi-call

go 1.26

require (
	github.com/container-storage-interface/spec v1.12.1-0.20260720052920-cd9e7ad1ae09
	google.golang.org/grpc v1.82.1
)
