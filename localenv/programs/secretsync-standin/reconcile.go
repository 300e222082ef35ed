package main

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The controller's condition types, reasons and messages (internal/controller/conditions.go of
// secrets-store-sync-controller at its main branch, commit 3186f13: the release v0.0.4 named them differently).
const (
	conditionCreate = "SecretCreated"
	conditionUpdate = "SecretUpdated"

	reasonProviderError      = "ProviderError"
	reasonInvalidLabel       = "InvalidClusterSecretLabelError"
	reasonInvalidAnnotation  = "InvalidClusterSecretAnnotationError"
	reasonSyncError          = "ControllerSyncError"
	reasonPatchError         = "ControllerPatchError"
	reasonSPCMisconfigured   = "SecretProviderClassMisconfigured"
	reasonRemoteFetchFailed  = "RemoteSecretStoreFetchFailed"
	reasonSyncStarting       = "SyncStarting"
	reasonNoUpdateYet        = "NoUpdatesAttemptedYet"
	reasonSecretUpToDate     = "SecretUpToDate"
	reasonCreateSuccessful   = "CreateSuccessful"
	messageCreateSuccessful  = "Secret created successfully."
	messageUpdateSuccessful  = "Secret contains last observed values."
	controllerLabel          = "secrets-store.sync.x-k8s.io"
	controllerAnnotation     = "secrets-store.sync.x-k8s.io"
	fieldManager             = "secrets-store-sync-controller"
	serviceAccountTokensAttr = "csi.storage.k8s.io/serviceAccount.tokens"
)

// retryReasons: a condition with one of these makes the next reconcile write the Secret even when nothing changed.
var retryReasons = []string{reasonSPCMisconfigured, reasonInvalidAnnotation, reasonInvalidLabel, reasonProviderError,
	reasonRemoteFetchFailed, reasonPatchError, reasonSyncError}

type condition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	ObservedGeneration int64  `json:"observedGeneration,omitempty"`
	LastTransitionTime string `json:"lastTransitionTime"`
	Reason             string `json:"reason"`
	Message            string `json:"message"`
}

type syncStatus struct {
	SyncHash               string      `json:"syncHash,omitempty"`
	LastSuccessfulSyncTime string      `json:"lastSuccessfulSyncTime,omitempty"`
	Conditions             []condition `json:"conditions,omitempty"`
}

type secretSync struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name            string `json:"name"`
		Namespace       string `json:"namespace"`
		UID             string `json:"uid"`
		Generation      int64  `json:"generation"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Spec struct {
		SecretProviderClassName string `json:"secretProviderClassName"`
		ServiceAccountName      string `json:"serviceAccountName"`
		SecretObject            struct {
			Type        string            `json:"type"`
			Data        []dataEntry       `json:"data"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"secretObject"`
		ForceSynchronization string `json:"forceSynchronization"`
	} `json:"spec"`
	Status syncStatus `json:"status"`
	// raw is the object as read, so that a status update sends back every field this type does not name.
	raw map[string]any
}

func decodeSecretSync(raw map[string]any) (*secretSync, error) {
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	ss := &secretSync{}
	if err := json.Unmarshal(data, ss); err != nil {
		return nil, err
	}
	ss.raw = raw
	return ss, nil
}

type secretProviderClass struct {
	Metadata struct {
		UID        string `json:"uid"`
		Generation int64  `json:"generation"`
	} `json:"metadata"`
	Spec struct {
		Provider   string            `json:"provider"`
		Parameters map[string]string `json:"parameters"`
	} `json:"spec"`
}

type reconciler struct {
	api       *apiClient
	providers *providers
	tokens    *tokens
	audiences []string
	// podName and podUID stand for the controller pod's own (SYNC_CONTROLLER_POD_NAME/_UID from the downward API),
	// which it passes to the provider as the mount's pod
	podName, podUID string
	now             func() time.Time
}

// reconcile is one pass over one SecretSync with the controller's order and outcomes. What it returns decides a
// retry with backoff; what it writes to the status is what `kubectl get secretsync -o yaml` shows.
func (r *reconciler) reconcile(ctx context.Context, namespace, name string) (string, error) {
	var raw map[string]any
	if err := r.api.do("GET", secretSyncPath(namespace, name), "", nil, &raw); err != nil {
		return "", fmt.Errorf("unable to fetch SecretSync: %w", err)
	}
	ss, err := decodeSecretSync(raw)
	if err != nil {
		return "", err
	}
	conditionType := conditionUpdate
	if ss.Status.SyncHash == "" {
		conditionType = conditionCreate
	}
	if len(ss.Status.Conditions) < 2 {
		r.setCondition(ss, condition{Type: conditionCreate, Status: "Unknown", Reason: reasonSyncStarting})
		r.setCondition(ss, condition{Type: conditionUpdate, Status: "Unknown", Reason: reasonNoUpdateYet})
		if err := r.updateStatus(ss); err != nil {
			return "", fmt.Errorf("failed to initialize SecretSync object conditions: %w", err)
		}
	}
	fail := func(reason string, err error, message string) (string, error) {
		r.setCondition(ss, condition{Type: conditionType, Status: "False", Reason: reason, Message: message})
		if statusErr := r.updateStatus(ss); statusErr != nil {
			return "", fmt.Errorf("%w (and the status update failed: %v)", err, statusErr)
		}
		return "", err
	}

	object := ss.Spec.SecretObject
	if object.Labels[controllerLabel] != "" {
		err := fmt.Errorf("label %s is reserved for use by the Secrets Store Sync Controller", controllerLabel)
		return fail(reasonInvalidLabel, err, err.Error())
	}
	if _, ok := object.Annotations[controllerAnnotation]; ok {
		err := fmt.Errorf("annotation %s is reserved for use by the Secrets Store Sync Controller", controllerAnnotation)
		return fail(reasonInvalidAnnotation, err, err.Error())
	}

	spc := &secretProviderClass{}
	spcPath := "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/" + url.PathEscape(namespace) + "/secretproviderclasses/" +
		url.PathEscape(ss.Spec.SecretProviderClassName)
	if err := r.api.do("GET", spcPath, "", nil, spc); err != nil {
		return fail(reasonSPCMisconfigured, err, fmt.Sprintf("failed to get SecretProviderClass %q: %v", ss.Spec.SecretProviderClassName, err))
	}

	data, reason, err := r.fetch(ctx, spc, ss)
	if err != nil {
		return fail(reason, err, fmt.Sprintf("fetching secrets from the provider failed: %v", err))
	}

	hash, err := stateHash(data, spc, ss)
	if err != nil {
		return fail(reasonSyncError, err, "failed to compute state hash")
	}
	hashChanged := hash != ss.Status.SyncHash
	failed := slices.ContainsFunc(ss.Status.Conditions, func(c condition) bool { return slices.Contains(retryReasons, c.Reason) })
	if !failed && !hashChanged {
		return "unchanged", nil
	}
	if conditionType == conditionCreate {
		r.setCondition(ss, condition{Type: conditionCreate, Status: "True", Reason: reasonCreateSuccessful, Message: messageCreateSuccessful})
		r.setCondition(ss, condition{Type: conditionUpdate, Status: "True", Reason: reasonSecretUpToDate, Message: messageUpdateSuccessful})
	} else if hashChanged {
		r.setCondition(ss, condition{Type: conditionUpdate, Status: "True", Reason: reasonSecretUpToDate, Message: messageUpdateSuccessful})
	}
	previousHash, previousTime := ss.Status.SyncHash, ss.Status.LastSuccessfulSyncTime
	ss.Status.SyncHash, ss.Status.LastSuccessfulSyncTime = hash, r.now().UTC().Format(time.RFC3339)
	if err := r.applySecret(ss, data); err != nil {
		ss.Status.SyncHash, ss.Status.LastSuccessfulSyncTime = previousHash, previousTime
		return fail(reasonPatchError, err, fmt.Sprintf("failed to patch secret %q: %v", ss.Metadata.Name, err))
	}
	if err := r.updateStatus(ss); err != nil {
		return "", err
	}
	if conditionType == conditionCreate {
		return "created", nil
	}
	return "updated", nil
}

// fetch calls the class's provider with the class's parameters plus what the driver would add for a pod: the
// controller's own pod name and UID, the SecretSync's namespace and service account, and that account's tokens.
func (r *reconciler) fetch(ctx context.Context, spc *secretProviderClass, ss *secretSync) (map[string][]byte, string, error) {
	client, err := r.providers.get(spc.Spec.Provider)
	if err != nil {
		return nil, reasonSPCMisconfigured, err
	}
	tokenAttrs, err := r.tokens.attributes(ss.Metadata.Namespace, ss.Spec.ServiceAccountName, r.audiences)
	if err != nil {
		return nil, reasonSyncError, err
	}
	parameters := maps.Clone(spc.Spec.Parameters)
	if parameters == nil {
		// the controller would panic writing to a class without parameters; the stand-in carries on instead
		parameters = map[string]string{}
	}
	parameters["csi.storage.k8s.io/pod.name"] = r.podName
	parameters["csi.storage.k8s.io/pod.uid"] = r.podUID
	parameters["csi.storage.k8s.io/pod.namespace"] = ss.Metadata.Namespace
	parameters["csi.storage.k8s.io/serviceAccount.name"] = ss.Spec.ServiceAccountName
	maps.Copy(parameters, tokenAttrs)
	attributes, err := json.Marshal(parameters)
	if err != nil {
		return nil, reasonSyncError, err
	}
	files, err := mountContent(ctx, client, string(attributes))
	if err != nil {
		return nil, reasonProviderError, err
	}
	data, err := buildSecretData(ss.Spec.SecretObject.Data, ss.Spec.SecretObject.Type, files)
	if err != nil {
		return nil, reasonRemoteFetchFailed, err
	}
	return data, "", nil
}

// stateHash is the controller's syncHash: PBKDF2-SHA512 (100,000 rounds, 32 bytes, the SecretSync's UID as salt) of
// the length-prefixed JSON of the data and the UIDs and generations of class and SecretSync and forceSynchronization,
// so a new value, a changed or recreated class or SecretSync, or a new forceSynchronization means a write.
func stateHash(data map[string][]byte, spc *secretProviderClass, ss *secretSync) (string, error) {
	dataJSON, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	input := strconv.Itoa(len(dataJSON)) + ":" + string(dataJSON) + strings.Join([]string{
		spc.Metadata.UID, strconv.FormatInt(spc.Metadata.Generation, 10),
		ss.Metadata.UID, strconv.FormatInt(ss.Metadata.Generation, 10),
		ss.Spec.ForceSynchronization,
	}, "|")
	key, err := pbkdf2.Key(sha512.New, input, []byte(ss.Metadata.UID), 100_000, 32)
	if err != nil {
		return "", err
	}
	return "v1:" + hex.EncodeToString(key), nil
}

// applySecret writes the Secret by server-side apply as the controller's field manager, without force (a field
// another manager owns makes it fail), labelled secrets-store.sync.x-k8s.io="" and owned by the SecretSync (no
// controller flag), with the SecretSync's own labels and annotations.
func (r *reconciler) applySecret(ss *secretSync, data map[string][]byte) error {
	labels := map[string]string{}
	maps.Copy(labels, ss.Spec.SecretObject.Labels)
	labels[controllerLabel] = ""
	metadata := map[string]any{"name": ss.Metadata.Name, "namespace": ss.Metadata.Namespace, "labels": labels,
		"ownerReferences": []map[string]any{{"apiVersion": ss.APIVersion, "kind": ss.Kind, "name": ss.Metadata.Name, "uid": ss.Metadata.UID}}}
	if len(ss.Spec.SecretObject.Annotations) > 0 {
		metadata["annotations"] = ss.Spec.SecretObject.Annotations
	}
	secret := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "data": data}
	if ss.Spec.SecretObject.Type != "" {
		secret["type"] = ss.Spec.SecretObject.Type
	}
	path := "/api/v1/namespaces/" + url.PathEscape(ss.Metadata.Namespace) + "/secrets/" + url.PathEscape(ss.Metadata.Name) +
		"?fieldManager=" + fieldManager
	return r.api.do("PATCH", path, "application/apply-patch+yaml", secret, nil)
}

// setCondition is apimachinery's meta.SetStatusCondition: a new type or a changed status gets the transition time
// now; reason and message always follow.
func (r *reconciler) setCondition(ss *secretSync, c condition) {
	now := r.now().UTC().Format(time.RFC3339)
	for i := range ss.Status.Conditions {
		existing := &ss.Status.Conditions[i]
		if existing.Type != c.Type {
			continue
		}
		if existing.Status != c.Status {
			existing.Status, existing.LastTransitionTime = c.Status, now
		}
		existing.Reason, existing.Message, existing.ObservedGeneration = c.Reason, c.Message, c.ObservedGeneration
		return
	}
	c.LastTransitionTime = now
	ss.Status.Conditions = append(ss.Status.Conditions, c)
}

// updateStatus replaces the status (the status subresource: the rest of the object is ignored there) and keeps the
// answer's resourceVersion for the next update of this pass.
func (r *reconciler) updateStatus(ss *secretSync) error {
	status, err := json.Marshal(ss.Status)
	if err != nil {
		return err
	}
	var statusMap map[string]any
	if err := json.Unmarshal(status, &statusMap); err != nil {
		return err
	}
	ss.raw["status"] = statusMap
	var answer map[string]any
	if err := r.api.do("PUT", secretSyncPath(ss.Metadata.Namespace, ss.Metadata.Name)+"/status", "application/json", ss.raw, &answer); err != nil {
		return err
	}
	updated, err := decodeSecretSync(answer)
	if err != nil {
		return err
	}
	ss.raw, ss.Metadata.ResourceVersion = updated.raw, updated.Metadata.ResourceVersion
	return nil
}
