// Command conformance-provider answers, with the Azure provider's own code, what the provider does with a
// SecretProviderClass at pod start: whether its mount gets as far as the network, how it reads the class, and which
// files it would write. It is the provider half of the conformance oracle (../conformance-oracle, the driver and API
// server half, starts it and asks it one request per case, as the driver asks the provider on each mount).
//
// It is built per version lane in a wrapper module that requires only the lane's provider: older providers import
// OpenTelemetry's pre-1.0 metric API, which no module graph holding a recent driver or Kubernetes can satisfy.
//
// One JSON request per line on stdin, one JSON reply per line on stdout (see docs/conformance.md).
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
	"time"

	"github.com/Azure/go-autorest/autorest/azure"
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/auth"
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/provider"
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/provider/types"
	"github.com/go-logr/logr"
	yamlv3 "gopkg.in/yaml.v3"
	"k8s.io/klog/v2"
)

// Request is one case as the driver hands it to the provider.
type Request struct {
	// Parameters are the class's spec.parameters.
	Parameters map[string]string `json:"parameters"`
	// PodNamespace is the namespace of the pod that mounts the class (the class's own).
	PodNamespace string `json:"podNamespace"`
	// ServicePrincipal says the pod volume passes credentials (nodePublishSecretRef).
	ServicePrincipal bool `json:"servicePrincipal,omitempty"`
	// References are the objectNames of the class's secretObjects: version-history files they name are planned.
	References []string `json:"references,omitempty"`
	// ReadOnly asks only for the reading (no mount, no files).
	ReadOnly bool `json:"readOnly,omitempty"`
}

// Failure is one provider error, with the stage that raised it.
type Failure struct {
	Stage string `json:"stage"`
	Error string `json:"error"`
}

// Reply is what the provider did with one request.
type Reply struct {
	Failures []Failure `json:"failures,omitempty"`
	Reading  Reading   `json:"reading"`
	// Objects are the files the provider would write for each object it can decode, with what they may hold.
	Objects []PlannedObject `json:"objects,omitempty"`
}

// Reading is the class as the provider's parameter getters and object decoding see it.
type Reading struct {
	KeyvaultName           string            `json:"keyvaultName"`
	TenantID               string            `json:"tenantID"`
	CloudName              string            `json:"cloudName"`
	CloudEnvFileName       string            `json:"cloudEnvFileName"`
	ClientID               string            `json:"clientID"`
	UserAssignedIdentityID string            `json:"userAssignedIdentityID"`
	Flags                  map[string]string `json:"flags"`
	ObjectsError           string            `json:"objectsError,omitempty"`
	Objects                []ObjectReading   `json:"objects"`
}

// ObjectReading is one item of the objects array decoded like the provider does (yaml.v3, then trimmed).
type ObjectReading struct {
	types.KeyVaultObject
	Error string `json:"error,omitempty"`
}

// identityFlags are the provider's boolean identity parameters and its getters; a provider with identity binding
// adds useAzureTokenProxy (identity_binding.go).
var identityFlags = map[string]func(map[string]string) (bool, error){
	types.UsePodIdentityParameter:       types.GetUsePodIdentity,
	types.UseVMManagedIdentityParameter: types.GetUseVMManagedIdentity,
}

// tokenAudiences are the service-account token audiences the driver is configured to pass (the AKS addon's); a
// provider with identity binding adds its audience (identity_binding.go).
var tokenAudiences = []string{auth.DefaultTokenAudience}

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
	defaultCloud, err := azure.EnvironmentFromName("AzurePublicCloud") // the provider's -cloud-name default
	if err != nil {
		fail(err)
	}
	// The provider's -construct-pem-chain and -write-cert-and-key-in-separate-files defaults (true, false).
	p := provider.NewProvider(true, false, defaultCloud)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var request Request
		if err := json.Unmarshal(in.Bytes(), &request); err != nil {
			fail(fmt.Errorf("bad request line: %w", err))
		}
		if err := out.Encode(answer(p, request)); err != nil {
			fail(err)
		}
	}
	if err := in.Err(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "conformance-provider:", err)
	os.Exit(2)
}

func printVersions() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fail(errors.New("no build info"))
	}
	for _, dep := range info.Deps {
		switch dep.Path {
		case "github.com/Azure/secrets-store-csi-driver-provider-azure", "gopkg.in/yaml.v3", "github.com/Azure/azure-sdk-for-go/sdk/azidentity":
			fmt.Printf("%s %s\n", dep.Path, dep.Version)
		}
	}
}

func answer(p provider.Interface, request Request) Reply {
	reply := Reply{Reading: readClass(request.Parameters)}
	if request.ReadOnly {
		return reply
	}
	secrets := map[string]string{}
	if request.ServicePrincipal {
		secrets = map[string]string{"clientid": "00000000-0000-0000-0000-000000000001", "clientsecret": "oracle"}
	}
	reply.Failures = mountFailures(p, mountAttributes(request), secrets)
	// Another object's file name is a reference too: a version-history index it names is planned.
	written := map[int][]string{}
	references := append([]string{}, request.References...)
	for index, object := range reply.Reading.Objects {
		if contents := contentKinds(object.KeyVaultObject); object.Error == "" && len(contents) > 0 {
			written[index] = contents
			references = append(references, object.GetFileName())
		}
	}
	for index, object := range reply.Reading.Objects {
		if contents, ok := written[index]; ok {
			reply.Objects = append(reply.Objects, planObject(index, object.KeyVaultObject, contents, references))
		}
	}
	return reply
}

// mountAttributes are the class parameters plus what the driver adds for the pod (AKS addon: pod info on mount,
// a service-account token per configured audience).
func mountAttributes(request Request) map[string]string {
	attributes := map[string]string{}
	for key, value := range request.Parameters {
		attributes[key] = value
	}
	attributes[types.CSIAttributePodName] = "oracle-pod"
	attributes[types.CSIAttributePodNamespace] = request.PodNamespace
	attributes["csi.storage.k8s.io/serviceAccount.name"] = "oracle"
	tokens := map[string]map[string]string{}
	for _, audience := range tokenAudiences {
		tokens[audience] = map[string]string{"token": "oracle.service-account.token", "expirationTimestamp": "2099-01-01T00:00:00Z"}
	}
	encoded, _ := json.Marshal(tokens)
	attributes[types.CSIAttributeServiceAccountTokens] = string(encoded)
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

// unreachableTransport fails every request like the network does in a namespace with no route.
type unreachableTransport struct{}

func (unreachableTransport) Do(request *http.Request) (*http.Response, error) {
	return nil, &url.Error{Op: request.Method, URL: request.URL.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: errNoRoute}}
}

// readClass is the provider's reading of the parameters (its own getters) and of each object (its decoding:
// yaml.v3 into its KeyVaultObject, every string field trimmed as its formatKeyVaultObject does).
func readClass(parameters map[string]string) Reading {
	reading := Reading{
		KeyvaultName:           types.GetKeyVaultName(parameters),
		TenantID:               types.GetTenantID(parameters),
		CloudName:              types.GetCloudName(parameters),
		CloudEnvFileName:       types.GetCloudEnvFileName(parameters),
		ClientID:               types.GetClientID(parameters),
		UserAssignedIdentityID: types.GetUserAssignedIdentityID(parameters),
		Flags:                  map[string]string{},
		Objects:                []ObjectReading{},
	}
	for name, get := range identityFlags {
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
