package csi

import "testing"

func TestRotatesThroughRepublishFromVersionOneSix(t *testing.T) {
	for driver, want := range map[string]bool{
		"v1.4.9": false, "v1.5.11": false, "v1.6.3": true, "v1.12.1": true, "v2.0.1": true, "devel": true,
	} {
		if got := rotatesThroughRepublish(driver); got != want {
			t.Errorf("%s: republish %v, want %v", driver, got, want)
		}
	}
}

func TestDriverObjectAsTheChartRendersItPerRotationKind(t *testing.T) {
	for _, republish := range []bool{false, true} {
		spec := driverObject(republish)["spec"].(map[string]any)
		if _, ok := spec["tokenRequests"]; !ok {
			t.Errorf("republish %v: no tokenRequests (workload identity needs the pod's token)", republish)
		}
		for _, field := range []string{"requiresRepublish", "serviceAccountTokenInSecrets"} {
			if _, ok := spec[field]; ok != republish {
				t.Errorf("republish %v: %s present %v", republish, field, ok)
			}
		}
	}
}
