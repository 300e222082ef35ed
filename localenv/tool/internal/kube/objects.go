package kube

// Condition is a status condition of any object.
type Condition struct {
	Type   string `json:"type"`
	Status string `json:"status"`
}

// HasTrue says whether the condition of that type is True.
func HasTrue(conditions []Condition, kind string) bool {
	for _, c := range conditions {
		if c.Type == kind && c.Status == "True" {
			return true
		}
	}
	return false
}

// Node is the part of a Node object the environment reads.
type Node struct {
	Spec struct {
		Taints []struct {
			Key    string `json:"key"`
			Effect string `json:"effect"`
		} `json:"taints"`
	} `json:"spec"`
	Status struct {
		Conditions []Condition `json:"conditions"`
	} `json:"status"`
}

// Schedulable: Ready, and no taint left that keeps pods off it (the node-lifecycle controller removes not-ready).
func (n Node) Schedulable() bool {
	for _, taint := range n.Spec.Taints {
		if taint.Effect == "NoSchedule" || taint.Effect == "NoExecute" {
			return false
		}
	}
	return HasTrue(n.Status.Conditions, "Ready")
}

// CRD is the part of a CustomResourceDefinition the environment reads.
type CRD struct {
	Spec struct {
		Group    string `json:"group"`
		Versions []struct {
			Name   string `json:"name"`
			Served bool   `json:"served"`
		} `json:"versions"`
	} `json:"spec"`
	Status struct {
		Conditions []Condition `json:"conditions"`
	} `json:"status"`
}

// ServedGroupVersions are the group/version paths (/apis/<them>) the CRD adds.
func (c CRD) ServedGroupVersions() []string {
	var out []string
	for _, v := range c.Spec.Versions {
		if v.Served {
			out = append(out, c.Spec.Group+"/"+v.Name)
		}
	}
	return out
}
