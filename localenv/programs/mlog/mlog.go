// Package mlog is the small subset of monis.app/mlog that sigs.k8s.io/secrets-store-csi-driver (the version of the
// node's lane in versions.json) calls, written on klog: the driver logs through klog everywhere else, so these functions only choose klog's output
// format and verbosity once at start-up and report fatal errors.
package mlog

import (
	"context"
	"fmt"
	"os"

	"github.com/go-logr/logr/funcr"
	"k8s.io/klog/v2"
)

// LogFormat is the output format chosen with ValidateAndSetKlogLevelAndFormatGlobally.
type LogFormat string

const (
	// FormatText keeps klog's own text lines (the driver's default).
	FormatText LogFormat = "text"
	// FormatJSON writes one JSON object per line (the driver's --log-format-json).
	FormatJSON LogFormat = "json"
)

// Setup prepares logging and returns the function that flushes it; the driver defers that function.
func Setup() func() {
	return klog.Flush
}

// ValidateAndSetKlogLevelAndFormatGlobally checks the verbosity the driver read from klog's -v flag and switches
// klog to the requested format. The context is accepted for the driver's call signature; nothing here outlives it.
func ValidateAndSetKlogLevelAndFormatGlobally(_ context.Context, level klog.Level, format LogFormat) error {
	if level < 0 {
		return fmt.Errorf("invalid log level %d: klog verbosity (-v) must be 0 or more", level)
	}
	switch format {
	case FormatText:
		return nil
	case FormatJSON:
		klog.SetLogger(funcr.NewJSON(func(line string) { fmt.Fprintln(os.Stderr, line) },
			funcr.Options{LogTimestamp: true, Verbosity: int(level)}))
		return nil
	default:
		return fmt.Errorf("unknown log format %q: use %q or %q", format, FormatText, FormatJSON)
	}
}

// Error logs err with a message and optional key/value pairs.
func Error(msg string, err error, keysAndValues ...any) {
	klog.ErrorSDepth(1, err, msg, keysAndValues...)
}

// Fatal logs err, flushes the logs and exits with status 1.
func Fatal(err error, keysAndValues ...any) {
	klog.ErrorSDepth(1, err, "fatal error", keysAndValues...)
	klog.FlushAndExit(klog.ExitFlushTimeout, 1)
}
