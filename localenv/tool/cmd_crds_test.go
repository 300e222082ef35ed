package main

import (
	"strings"
	"testing"
)

const sampleCRD = `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: secretproviderclasses.secrets-store.csi.x-k8s.io
spec:
  group: secrets-store.csi.x-k8s.io
  names:
    kind: SecretProviderClass
    plural: secretproviderclasses
  scope: Namespaced
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        type: object
    served: true
    storage: true
  - name: v1alpha1
    served: true
    storage: false
`

func TestCheckCRD(t *testing.T) {
	if err := checkCRD(sampleCRD, "SecretProviderClass"); err != nil {
		t.Errorf("the sample: %v", err)
	}
	for what, text := range map[string]string{
		"another kind":                    strings.Replace(sampleCRD, "kind: SecretProviderClass", "kind: SecretProviderClassPodStatus", 1),
		"v1 not storage":                  strings.Replace(sampleCRD, "    storage: true", "    storage: false", 1),
		"storage only in another version": strings.Replace(sampleCRD, "    storage: true\n  - name: v1alpha1\n    served: true\n    storage: false", "    storage: false\n  - name: v1alpha1\n    served: true\n    storage: true", 1),
		"another group":                   strings.Replace(sampleCRD, "group: secrets-store", "group: other", 1),
		"not a CRD":                       strings.Replace(sampleCRD, "kind: CustomResourceDefinition", "kind: ConfigMap", 1),
	} {
		if err := checkCRD(text, "SecretProviderClass"); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}
