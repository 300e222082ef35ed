// Our own stand-in for monis.app/mlog, which the Go module proxy does not serve. The Secrets Store CSI driver
// imports it for six names only (Setup, FormatText, FormatJSON, ValidateAndSetKlogLevelAndFormatGlobally,
// Error, Fatal); the localenv builder `replace`s the real module with this directory in the driver's wrapper.
// Requires pinned to the driver's own versions so that the replace raises none of them.
module monis.app/mlog

go 1.22

require (
	github.com/go-logr/logr v1.4.3
	k8s.io/klog/v2 v2.120.1
)
