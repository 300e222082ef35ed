package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// apiClient is the little of the Kubernetes API the stand-in needs, with a bearer token and no client library (the
// controller's client-go and controller-runtime are not served by the module proxy at its versions, and a handful of
// JSON requests is all a reconcile makes).
type apiClient struct {
	server string
	token  string
	http   *http.Client
}

func newAPIClient(server, caFile, tokenFile string) (*apiClient, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		return nil, err
	}
	// never a proxy: the API server is on loopback
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Proxy: nil}
	return &apiClient{server: strings.TrimRight(server, "/"), token: strings.TrimSpace(string(token)),
		http: &http.Client{Transport: transport, Timeout: 30 * time.Second}}, nil
}

// apiError is an answer other than the one asked for, with the API server's own message (a Status object's).
type apiError struct {
	Code    int
	Reason  string
	Message string
}

func (e *apiError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("the API server answered %d", e.Code)
}

func isNotFound(err error) bool {
	var api *apiError
	return errors.As(err, &api) && api.Code == http.StatusNotFound
}

// do sends body (JSON) and decodes a 2xx answer into out (when not nil).
func (c *apiClient) do(method, path, contentType string, body, out any) error {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.server+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var status struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &status)
		return &apiError{Code: resp.StatusCode, Reason: status.Reason, Message: status.Message}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

const secretSyncAPI = "/apis/secret-sync.x-k8s.io/v1alpha1"

func secretSyncPath(namespace, name string) string {
	return secretSyncAPI + "/namespaces/" + url.PathEscape(namespace) + "/secretsyncs/" + url.PathEscape(name)
}
