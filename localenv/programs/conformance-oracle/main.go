// Command oracle answers, with upstream's own code, whether a SecretProviderClass works at pod start.
//
// It reads one JSON case per line on stdin and writes one JSON verdict per line on stdout (see docs/conformance.md).
// A case passes when, in this order:
//   - the Azure provider's own mount path (GetSecretsStoreObjectContent, at the provider version go.mod pins) gets as far as its first
//     network call, for the whole class and for each object on its own (the provider stops at the first failure);
//   - the CSI driver's own file writer (fileutil.WritePayloads) accepts the files the provider would return;
//   - for each synced Secret, the driver's secretObjects checks and data extraction (secretutil) succeed on the
//     written files, and the API server's Secret validation (ValidateSecret: name, labels, annotations, data keys,
//     type rules) accepts the Secret the driver would create.
//
// Run it inside a network namespace without routes (unshare -n): nothing can leave the machine, and a resolver hook
// cancels a mount at its first DNS lookup so that the SDK's retries cost nothing.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/Azure/go-autorest/autorest/azure"
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/auth"
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/provider"
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/provider/types"
	"github.com/go-logr/logr"
	yamlv3 "gopkg.in/yaml.v3"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/klog/v2"
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
	Reading *Reading `json:"reading,omitempty"`
	// Files are the paths written in the first passing content scenario (or the first scenario when none passes).
	Files  []string `json:"files,omitempty"`
	Millis int64    `json:"millis"`
}

// Reading is the class as the provider's parameter getters and object decoding see it.
type Reading struct {
	KeyvaultName           string                         `json:"keyvaultName"`
	TenantID               string                         `json:"tenantID"`
	CloudName              string                         `json:"cloudName"`
	CloudEnvFileName       string                         `json:"cloudEnvFileName"`
	ClientID               string                         `json:"clientID"`
	UserAssignedIdentityID string                         `json:"userAssignedIdentityID"`
	Flags                  map[string]string              `json:"flags"`
	ObjectsError           string                         `json:"objectsError,omitempty"`
	Objects                []ObjectReading                `json:"objects"`
	SecretObjects          []*secretsstorev1.SecretObject `json:"secretObjects"`
}

// ObjectReading is one item of the objects array decoded like the provider does (yaml.v3, then trimmed).
type ObjectReading struct {
	types.KeyVaultObject
	Error string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-version" {
		printVersions()
		return
	}
	klog.SetLogger(logr.Discard())
	// Every HTTP(S) call goes through a proxy whose name the resolver hook sees (see mount), even when the vault's
	// own name is one the resolver refuses without a lookup (e.g. "kv-").
	for _, name := range []string{"NO_PROXY", "http_proxy", "https_proxy", "no_proxy"} {
		os.Unsetenv(name)
	}
	os.Setenv("HTTP_PROXY", "http://network-call.oracle.invalid:3128")
	os.Setenv("HTTPS_PROXY", "http://network-call.oracle.invalid:3128")
	// As the provider's main: the identity-binding proxy transport is set at start-up. Its real constructor is
	// internal to the provider module and reads the in-cluster environment; in the oracle it is a transport whose
	// every request fails like the network does, which is what the real one does in a namespace with no route.
	auth.SetProxyTransport(unreachableTransport{}, nil)
	defaultCloud, err := azure.EnvironmentFromName("AzurePublicCloud") // the provider's -cloud-name default
	if err != nil {
		fail(err)
	}
	// The provider's -construct-pem-chain and -write-cert-and-key-in-separate-files defaults (true, false).
	p := provider.NewProvider(true, false, defaultCloud)
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
		verdict := check(p, material, c)
		verdict.Millis = time.Since(started).Milliseconds()
		if err := out.Encode(verdict); err != nil {
			fail(err)
		}
	}
	if err := in.Err(); err != nil {
		fail(err)
	}
	// Last line: the process's peak memory, for the caller's memory bound.
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		fail(err)
	}
	if err := out.Encode(map[string]int64{"maxRssKiB": usage.Maxrss}); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "oracle:", err)
	os.Exit(2)
}

func printVersions() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fail(errors.New("no build info"))
	}
	for _, dep := range info.Deps {
		switch dep.Path {
		case "github.com/Azure/secrets-store-csi-driver-provider-azure", "sigs.k8s.io/secrets-store-csi-driver",
			"k8s.io/kubernetes", "k8s.io/apimachinery", "gopkg.in/yaml.v3", "github.com/Azure/azure-sdk-for-go/sdk/azidentity":
			fmt.Printf("%s %s\n", dep.Path, dep.Version)
		}
	}
	fmt.Printf("go %s\n", info.GoVersion)
}

func check(p provider.Interface, material contentMaterial, c Case) Verdict {
	verdict := Verdict{ID: c.ID}
	spc, err := decodeManifest(c)
	if err != nil {
		verdict.Verdict = "FAIL"
		verdict.Failures = []Failure{{Stage: "apiserver: SecretProviderClass", Error: err.Error()}}
		return verdict
	}
	if c.ReadOnly {
		reading := readClass(spc)
		verdict.Verdict, verdict.Reading = "READ", &reading
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
	attributes := mountAttributes(spc)
	secrets := map[string]string{}
	if c.NodePublishSecretRef != "" {
		// The API server validates the pod's CSI volume reference as a Secret name.
		for _, msg := range corevalidation.ValidateSecretName(c.NodePublishSecretRef, false) {
			failures = append(failures, Failure{Stage: "apiserver: Pod volume nodePublishSecretRef", Error: fmt.Sprintf("%q: %s", c.NodePublishSecretRef, msg)})
		}
		secrets = map[string]string{"clientid": "00000000-0000-0000-0000-000000000001", "clientsecret": "oracle"}
	}
	failures = append(failures, mountFailures(p, attributes, secrets)...)
	reading := readClass(spc)
	verdict.Reading = &reading
	files, writeFailures := writeAndSync(material, reading, spc)
	verdict.Files = files
	failures = append(failures, writeFailures...)
	verdict.Failures = failures
	verdict.Verdict = "PASS"
	if len(failures) > 0 {
		verdict.Verdict = "FAIL"
	}
	return verdict
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

// mountAttributes are the class parameters plus what the driver adds for the pod (AKS addon: pod info on mount,
// a service-account token for workload identity).
func mountAttributes(spc *secretsstorev1.SecretProviderClass) map[string]string {
	attributes := map[string]string{}
	for key, value := range spc.Spec.Parameters {
		attributes[key] = value
	}
	attributes[types.CSIAttributePodName] = "oracle-pod"
	attributes[types.CSIAttributePodNamespace] = spc.Namespace
	attributes["csi.storage.k8s.io/serviceAccount.name"] = "oracle"
	tokens, _ := json.Marshal(map[string]map[string]string{
		auth.DefaultTokenAudience:         {"token": "oracle.service-account.token", "expirationTimestamp": "2099-01-01T00:00:00Z"},
		auth.IdentityBindingTokenAudience: {"token": "oracle.service-account.token", "expirationTimestamp": "2099-01-01T00:00:00Z"},
	})
	attributes[types.CSIAttributeServiceAccountTokens] = string(tokens)
	return attributes
}

// mountFailures runs the provider's mount on the whole class, then on each object alone, and keeps every failure
// that is not the network being unreachable.
func mountFailures(p provider.Interface, attributes, secrets map[string]string) []Failure {
	var failures []Failure
	if err := mount(p, attributes, secrets); err != nil {
		failures = append(failures, Failure{Stage: "provider: mount", Error: err.Error()})
	}
	array, err := types.GetObjectsArray(types.GetObjects(attributes))
	if err != nil || len(array.Array) < 2 {
		return failures
	}
	for index, item := range array.Array {
		single, _ := yamlv3.Marshal(types.StringArray{Array: []string{item}})
		alone := map[string]string{}
		for key, value := range attributes {
			alone[key] = value
		}
		alone[types.ObjectsParameter] = string(single)
		if err := mount(p, alone, secrets); err != nil {
			failures = append(failures, Failure{Stage: fmt.Sprintf("provider: mount of objects[%d] alone", index), Error: err.Error()})
		}
	}
	return failures
}

// mount returns the provider's error, or nil when the provider got as far as the network.
func mount(p provider.Interface, attributes, secrets map[string]string) error {
	// The provider sets AZURE_ENVIRONMENT_FILEPATH process-wide from cloudEnvFileName; each case starts clean.
	os.Unsetenv(azure.EnvironmentFilepathName)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Mounts run one at a time, each with a resolver of its own: its first DNS lookup (the proxy's name, for any
	// HTTP call) cancels this mount, so the SDK's retries cost nothing, and a lookup still finishing for the
	// previous mount cannot be shared with this one.
	var lookedUp atomic.Bool
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(_ context.Context, network, _ string) (net.Conn, error) {
		lookedUp.Store(true)
		cancel()
		return nil, &net.OpError{Op: "dial", Net: network, Err: errNoRoute}
	}}
	_, err := p.GetSecretsStoreObjectContent(ctx, attributes, secrets, 0o644)
	if err == nil || isNetworkError(err) || lookedUp.Load() {
		return nil
	}
	return err
}

// isNetworkError tells a failed network call from a validation error by the error's type, never by its text.
func isNetworkError(err error) bool {
	var urlError *url.Error
	var opError *net.OpError
	var dnsError *net.DNSError
	return errors.As(err, &urlError) || errors.As(err, &opError) || errors.As(err, &dnsError) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

var errNoRoute = errors.New("no route: the oracle runs in a network namespace without one")

type unreachableTransport struct{}

func (unreachableTransport) Do(request *http.Request) (*http.Response, error) {
	return nil, &url.Error{Op: request.Method, URL: request.URL.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: errNoRoute}}
}

// readClass is the provider's reading of the parameters (its own getters) and of each object (its decoding:
// yaml.v3 into its KeyVaultObject, every string field trimmed as its formatKeyVaultObject does).
func readClass(spc *secretsstorev1.SecretProviderClass) Reading {
	parameters := spc.Spec.Parameters
	reading := Reading{
		KeyvaultName:           types.GetKeyVaultName(parameters),
		TenantID:               types.GetTenantID(parameters),
		CloudName:              types.GetCloudName(parameters),
		CloudEnvFileName:       types.GetCloudEnvFileName(parameters),
		ClientID:               types.GetClientID(parameters),
		UserAssignedIdentityID: types.GetUserAssignedIdentityID(parameters),
		Flags:                  map[string]string{},
		Objects:                []ObjectReading{},
		SecretObjects:          spc.Spec.SecretObjects,
	}
	for name, get := range map[string]func(map[string]string) (bool, error){
		types.UsePodIdentityParameter:       types.GetUsePodIdentity,
		types.UseVMManagedIdentityParameter: types.GetUseVMManagedIdentity,
		types.UseAzureTokenProxyParameter:   types.GetUseAzureTokenProxy,
	} {
		value, err := get(parameters)
		reading.Flags[name] = fmt.Sprint(value)
		if err != nil {
			reading.Flags[name] = "error: " + err.Error()
		}
	}
	array, err := types.GetObjectsArray(types.GetObjects(parameters))
	if err != nil {
		reading.ObjectsError = err.Error()
		return reading
	}
	for _, item := range array.Array {
		var object ObjectReading
		if err := yamlv3.Unmarshal([]byte(item), &object.KeyVaultObject); err != nil {
			object.Error = err.Error()
		}
		fields := reflect.ValueOf(&object.KeyVaultObject).Elem()
		for index := 0; index < fields.NumField(); index++ {
			if field := fields.Field(index); field.Kind() == reflect.String {
				field.SetString(strings.TrimSpace(field.String()))
			}
		}
		reading.Objects = append(reading.Objects, object)
	}
	return reading
}
