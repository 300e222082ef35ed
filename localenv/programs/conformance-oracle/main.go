// Command oracle answers, with upstream's own code, whether a SecretProviderClass works at pod start.
//
// It reads one JSON case per line on stdin and writes one JSON verdict per line on stdout (see docs/conformance.md).
// It is the driver and API server half of the oracle; the provider half (../conformance-provider, built apart
// because an older provider's module graph cannot hold a recent driver or Kubernetes) runs as its child, asked once
// per case as the driver asks the provider on each mount. A case passes when, in this order:
//   - the API server accepts the class's metadata and the pod volume's nodePublishSecretRef;
//   - the Azure provider's own mount path (GetSecretsStoreObjectContent, at the lane's provider version) gets as far
//     as its first network call, for the whole class and for each object on its own;
//   - the CSI driver's own file writer (fileutil.WritePayloads, at the lane's driver version) accepts the files the
//     provider would return;
//   - for each synced Secret, the driver's secretObjects checks and data extraction (secretutil) succeed on the
//     written files, and the API server's Secret validation (ValidateSecret: name, labels, annotations, data keys,
//     type rules) accepts the Secret the driver would create.
//
// Run it inside a network namespace without routes (unshare -n): nothing can leave the machine, and the provider
// half cancels a mount at its first DNS lookup so that the SDK's retries cost nothing.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	secretsstorev1 "sigs.k8s.io/secrets-store-csi-driver/apis/v1"
	"sigs.k8s.io/yaml"
)

// Case is one input line.
type Case struct {
	ID string `json:"id"`
	// Manifest is the SecretProviderClass as a JSON object; YAML is the same as text (read like kubectl does).
	Manifest json.RawMessage `json:"manifest,omitempty"`
	YAML     string          `json:"yaml,omitempty"`
	// NodePublishSecretRef is the Secret the pod volume passes (service principal credentials), if any.
	NodePublishSecretRef string `json:"nodePublishSecretRef,omitempty"`
	// ReadOnly asks only for the reading (no mount, no files): for "means the same" comparisons.
	ReadOnly bool `json:"readOnly,omitempty"`
}

// Failure is one upstream error, with the stage that raised it.
type Failure struct {
	Stage string `json:"stage"`
	Error string `json:"error"`
}

// Verdict is one output line.
type Verdict struct {
	ID       string    `json:"id"`
	Verdict  string    `json:"verdict"` // PASS or FAIL (READ for a read-only case)
	Failures []Failure `json:"failures,omitempty"`
	// Reading is what the provider and the driver read from the class, for "means the same" comparisons.
	Reading map[string]any `json:"reading,omitempty"`
	// Files are the paths written in the first passing content scenario (or the first scenario when none passes).
	Files  []string `json:"files,omitempty"`
	Millis int64    `json:"millis"`
}

// providerRequest and providerReply are one exchange with the provider half (its Request and Reply).
type providerRequest struct {
	Parameters       map[string]string `json:"parameters"`
	PodNamespace     string            `json:"podNamespace"`
	ServicePrincipal bool              `json:"servicePrincipal,omitempty"`
	References       []string          `json:"references,omitempty"`
	ReadOnly         bool              `json:"readOnly,omitempty"`
}

type providerReply struct {
	Failures []Failure `json:"failures"`
	// Reading is the provider's reading of the class; the verdict adds the driver's secretObjects to it.
	Reading map[string]any  `json:"reading"`
	Objects []plannedObject `json:"objects"`
}

// plannedObject is what the provider would write for one object: its files, their mode and what they may hold.
type plannedObject struct {
	Index    int      `json:"index"`
	Paths    []string `json:"paths"`
	Mode     int32    `json:"mode"`
	Contents []string `json:"contents"`
}

// providerHalf is the running provider half: one request line in, one reply line out.
type providerHalf struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	replies *bufio.Scanner
}

func startProviderHalf(path string) (*providerHalf, error) {
	cmd := exec.Command(path)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	replies := bufio.NewScanner(out)
	replies.Buffer(make([]byte, 1<<20), 64<<20)
	return &providerHalf{cmd: cmd, in: in, replies: replies}, nil
}

func (h *providerHalf) ask(request providerRequest) providerReply {
	line, err := json.Marshal(request)
	if err != nil {
		fail(err)
	}
	if _, err := h.in.Write(append(line, '\n')); err != nil {
		fail(fmt.Errorf("provider half: %w", err))
	}
	if !h.replies.Scan() {
		fail(fmt.Errorf("provider half gave no reply: %v", h.replies.Err()))
	}
	var reply providerReply
	if err := json.Unmarshal(h.replies.Bytes(), &reply); err != nil {
		fail(fmt.Errorf("provider half: bad reply: %w", err))
	}
	return reply
}

func (h *providerHalf) stop() error {
	h.in.Close()
	return h.cmd.Wait()
}

func main() {
	version := flag.Bool("version", false, "print the upstream module versions of both halves and exit")
	providerPath := flag.String("provider", "", "the provider half's binary (conformance-provider of the same lane)")
	flag.Parse()
	if *providerPath == "" {
		fail(errors.New("-provider is required"))
	}
	if *version {
		printVersions(*providerPath)
		return
	}
	provider, err := startProviderHalf(*providerPath)
	if err != nil {
		fail(err)
	}
	material, err := newContentMaterial()
	if err != nil {
		fail(err)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c Case
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fail(fmt.Errorf("bad input line: %w", err))
		}
		started := time.Now()
		verdict := check(provider, material, c)
		verdict.Millis = time.Since(started).Milliseconds()
		if err := out.Encode(verdict); err != nil {
			fail(err)
		}
	}
	if err := in.Err(); err != nil {
		fail(err)
	}
	if err := provider.stop(); err != nil {
		fail(fmt.Errorf("provider half: %w", err))
	}
	// Last line: the peak memory of the larger half, for the caller's per-process memory bound.
	var self, children syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		fail(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children); err != nil {
		fail(err)
	}
	if err := out.Encode(map[string]int64{"maxRssKiB": max(self.Maxrss, children.Maxrss)}); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "oracle:", err)
	os.Exit(2)
}

func printVersions(providerPath string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fail(errors.New("no build info"))
	}
	for _, dep := range info.Deps {
		switch dep.Path {
		case "sigs.k8s.io/secrets-store-csi-driver", "k8s.io/kubernetes", "k8s.io/apimachinery":
			fmt.Printf("%s %s\n", dep.Path, dep.Version)
		}
	}
	fmt.Printf("go %s\n", info.GoVersion)
	cmd := exec.Command(providerPath, "-version")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fail(fmt.Errorf("provider half -version: %w", err))
	}
}

func check(provider *providerHalf, material contentMaterial, c Case) Verdict {
	verdict := Verdict{ID: c.ID}
	spc, err := decodeManifest(c)
	if err != nil {
		verdict.Verdict = "FAIL"
		verdict.Failures = []Failure{{Stage: "apiserver: SecretProviderClass", Error: err.Error()}}
		return verdict
	}
	if c.ReadOnly {
		reply := provider.ask(providerRequest{Parameters: spc.Spec.Parameters, ReadOnly: true})
		verdict.Verdict, verdict.Reading = "READ", withSecretObjects(reply.Reading, spc)
		return verdict
	}
	var failures []Failure
	if spc.Namespace == "" {
		spc.Namespace = "default" // kubectl's default namespace
	}
	if errs := apivalidation.ValidateObjectMeta(&spc.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata")); len(errs) > 0 {
		failures = append(failures, Failure{Stage: "apiserver: SecretProviderClass", Error: errs.ToAggregate().Error()})
	}
	if spc.Spec.Provider != "azure" {
		failures = append(failures, Failure{Stage: "driver: provider", Error: fmt.Sprintf("provider %q is not the AKS addon's provider (azure)", spc.Spec.Provider)})
	}
	if c.NodePublishSecretRef != "" {
		// The API server validates the pod's CSI volume reference as a Secret name.
		for _, msg := range corevalidation.ValidateSecretName(c.NodePublishSecretRef, false) {
			failures = append(failures, Failure{Stage: "apiserver: Pod volume nodePublishSecretRef", Error: fmt.Sprintf("%q: %s", c.NodePublishSecretRef, msg)})
		}
	}
	var references []string
	for _, secret := range spc.Spec.SecretObjects {
		for _, data := range secret.Data {
			if data != nil {
				references = append(references, strings.TrimSpace(data.ObjectName))
			}
		}
	}
	reply := provider.ask(providerRequest{
		Parameters: spc.Spec.Parameters, PodNamespace: spc.Namespace, ServicePrincipal: c.NodePublishSecretRef != "", References: references,
	})
	failures = append(failures, reply.Failures...)
	verdict.Reading = withSecretObjects(reply.Reading, spc)
	files, writeFailures := writeAndSync(material, reply.Objects, spc)
	verdict.Files = files
	failures = append(failures, writeFailures...)
	verdict.Failures = failures
	verdict.Verdict = "PASS"
	if len(failures) > 0 {
		verdict.Verdict = "FAIL"
	}
	return verdict
}

// withSecretObjects is the provider's reading of the class plus the driver's reading of its secretObjects.
func withSecretObjects(reading map[string]any, spc *secretsstorev1.SecretProviderClass) map[string]any {
	reading["secretObjects"] = spc.Spec.SecretObjects
	return reading
}

func decodeManifest(c Case) (*secretsstorev1.SecretProviderClass, error) {
	spc := &secretsstorev1.SecretProviderClass{}
	data := []byte(c.Manifest)
	if c.YAML != "" {
		// kubectl's reading: YAML to JSON, then the typed object (parameters must be strings).
		var err error
		if data, err = yaml.YAMLToJSON([]byte(c.YAML)); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(data, spc); err != nil {
		return nil, err
	}
	return spc, nil
}
