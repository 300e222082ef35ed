// Package kube is the little of the Kubernetes API the local environment needs: requests to one API server with a
// bearer token (JSON or YAML bodies, no client library) and the kubeconfig files it writes.
package kube

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client talks to one API server.
type Client struct {
	server string
	token  string
	http   *http.Client
}

// NewClient trusts only the cluster's CA and never a proxy (the API server is on loopback).
func NewClient(server string, caPEM []byte, token string) (*Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no certificate in the cluster CA file")
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Proxy: nil}
	return &Client{server: server, token: token, http: &http.Client{Transport: transport, Timeout: 30 * time.Second}}, nil
}

// Response is a status code and a body.
type Response struct {
	Status int
	Body   []byte
}

// Do sends one request; contentType matters only with a body.
func (c *Client) Do(method, path, contentType string, body []byte) (Response, error) {
	req, err := http.NewRequest(method, c.server+path, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: data}, err
}

// Get is a GET whose JSON answer, on 200, is decoded into out (when out is not nil).
func (c *Client) Get(path string, out any) (int, error) {
	resp, err := c.Do(http.MethodGet, path, "", nil)
	if err != nil {
		return 0, err
	}
	if resp.Status == http.StatusOK && out != nil {
		return resp.Status, json.Unmarshal(resp.Body, out)
	}
	return resp.Status, nil
}

// PostJSON sends obj as JSON.
func (c *Client) PostJSON(path string, obj any) (Response, error) {
	body, err := json.Marshal(obj)
	if err != nil {
		return Response{}, err
	}
	return c.Do(http.MethodPost, path, "application/json", body)
}

// Delete deletes the object at path with the given propagation ("" = the server's default).
func (c *Client) Delete(path, propagation string) (Response, error) {
	if propagation == "" {
		return c.Do(http.MethodDelete, path, "", nil)
	}
	body := fmt.Sprintf(`{"propagationPolicy":%q}`, propagation)
	return c.Do(http.MethodDelete, path, "application/json", []byte(body))
}

// Ready says whether the API server answers /readyz with 200.
func (c *Client) Ready() (bool, error) {
	status, err := c.Get("/readyz", nil)
	return status == http.StatusOK, err
}

// Failed describes an unexpected answer for an error message.
func (r Response) Failed(what string) error {
	return fmt.Errorf("%s: HTTP %d: %s", what, r.Status, bytes.TrimSpace(r.Body))
}
