package main

import (
	"bufio"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	entraHost        = "login.microsoftonline.com"
	vaultDNSSuffix   = ".vault.azure.net"
	imdsHost         = "169.254.169.254"
	keyVaultResource = "https://vault.azure.net"
)

type serverOptions struct {
	caDir, contentPath, requestLog, serviceAccountKey string
	pageSize                                          int
	// managedCluster, when set, is the one AKS cluster of armResourceGroup (NAME=KUBECONFIG_FILE): Resource Manager
	// shows it and hands out that kubeconfig as its user credential.
	managedCluster string
	now            func() time.Time
}

type server struct {
	opts   serverOptions
	ca     *authority
	tokens *tokenIssuer
	saKey  *rsa.PublicKey
	reqLog *requestLogger

	mu          sync.Mutex
	content     *Content
	contentStat os.FileInfo

	inner      *http.Server
	innerConns *connListener
	targets    sync.Map // *tls.Conn -> CONNECT target host
}

func newServer(o serverOptions) (*server, error) {
	if o.now == nil {
		o.now = time.Now
	}
	if o.pageSize < 1 || o.pageSize > 25 {
		return nil, fmt.Errorf("--page-size %d: Key Vault pages hold 1 to 25 items", o.pageSize)
	}
	ca, err := loadOrCreateAuthority(o.caDir)
	if err != nil {
		return nil, fmt.Errorf("CA in %s: %w", o.caDir, err)
	}
	key, err := loadOrCreateTokenKey(o.caDir)
	if err != nil {
		return nil, fmt.Errorf("token signing key in %s: %w", o.caDir, err)
	}
	s := &server{opts: o, ca: ca, tokens: &tokenIssuer{key: key, now: o.now}}
	if o.serviceAccountKey != "" {
		if s.saKey, err = readRSAPublicKey(o.serviceAccountKey); err != nil {
			return nil, err
		}
	}
	if s.reqLog, err = openRequestLog(o.requestLog); err != nil {
		return nil, err
	}
	if _, err := s.current(); err != nil {
		return nil, err
	}
	s.innerConns = newConnListener()
	s.inner = &http.Server{
		Handler:      http.HandlerFunc(s.serveTLS),
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}, // HTTP/1.1 only
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			host, _ := s.targets.LoadAndDelete(c)
			return context.WithValue(ctx, targetHostKey{}, host)
		},
		ReadHeaderTimeout: 30 * time.Second,
	}
	go s.inner.Serve(s.innerConns)
	return s, nil
}

type targetHostKey struct{}

// current returns the content, re-reading the file when it changed since the last read. A file that fails to
// parse keeps the previous content in service (and says so on stderr) so a half-edited file never empties a vault.
func (s *server) current() (*Content, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(s.opts.contentPath)
	if errors.Is(err, os.ErrNotExist) {
		if s.content == nil {
			s.content = (&Content{}).normalized()
		}
		return s.content, nil
	}
	if err != nil {
		return nil, err
	}
	if s.content != nil && s.contentStat != nil && os.SameFile(fi, s.contentStat) &&
		fi.ModTime().Equal(s.contentStat.ModTime()) && fi.Size() == s.contentStat.Size() {
		return s.content, nil
	}
	c, err := readContent(s.opts.contentPath)
	if err != nil {
		if s.content == nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "keyvault-standin: keeping the previous content: %v\n", err)
		s.contentStat = fi
		return s.content, nil
	}
	s.content, s.contentStat = c, fi
	return c, nil
}

// listenAndServe prints one line with the bound address (never anything else on stdout) and serves until killed.
func (s *server) listenAndServe(addr string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "keyvault-standin listening on %s\n", ln.Addr())
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	return srv.Serve(ln)
}

// ServeHTTP is the proxy side: CONNECT tunnels (TLS terminated here), absolute-URI requests (plain HTTP, IMDS), and
// a health check for direct requests.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodConnect:
		s.connect(w, r)
	case r.URL.IsAbs():
		s.route(w, r, hostOnly(r.URL.Host), "http")
	case r.URL.Path == "/healthz":
		io.WriteString(w, "ok\n")
	default:
		http.Error(w, "keyvault-standin is a proxy: send absolute-URI or CONNECT requests", http.StatusBadRequest)
	}
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(hostport)
}

// knownHost says whether the name resolves in the stand-in's world: Entra ID, IMDS, and the vaults in the content.
func (s *server) knownHost(host string) bool {
	if host == entraHost || host == imdsHost || host == armHost {
		return true
	}
	if name, ok := strings.CutSuffix(host, vaultDNSSuffix); ok {
		c, err := s.current()
		if err != nil {
			return false
		}
		_, v := c.findVault(name)
		return v != nil
	}
	return false
}

func (s *server) connect(w http.ResponseWriter, r *http.Request) {
	start := s.opts.now()
	host := hostOnly(r.Host)
	e := &logEntry{Method: r.Method, Host: host, Service: "proxy"}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	if !s.knownHost(host) {
		// Go's transport reports the text after the status code as the error, so the client sees what a failed
		// DNS lookup of an unknown vault looks like.
		fmt.Fprintf(conn, "HTTP/1.1 502 lookup %s: no such host\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", host)
		conn.Close()
		e.Status, e.Error = http.StatusBadGateway, "NoSuchHost"
		s.reqLog.write(e, start, s.opts.now())
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	e.Status = http.StatusOK
	s.reqLog.write(e, start, s.opts.now())
	var raw net.Conn = conn
	if rw.Reader.Buffered() > 0 {
		raw = &bufferedConn{Conn: conn, r: rw.Reader}
	}
	tlsConn := tls.Server(raw, &tls.Config{
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.ca.leafFor(host)
		},
	})
	s.targets.Store(tlsConn, host)
	s.innerConns.push(tlsConn)
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

func (s *server) serveTLS(w http.ResponseWriter, r *http.Request) {
	host, _ := r.Context().Value(targetHostKey{}).(string)
	if host == "" {
		host = hostOnly(r.Host)
	}
	s.route(w, r, host, "https")
}

// route answers a request for host, logging it as one line.
func (s *server) route(w http.ResponseWriter, r *http.Request, host, scheme string) {
	start := s.opts.now()
	e := &logEntry{Method: r.Method, Host: host, Path: r.URL.Path, Query: queryNames(r)}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		e.Status = sw.status
		if e.Status == 0 && e.Error != "Hung" {
			e.Status = http.StatusOK
		}
		s.reqLog.write(e, start, s.opts.now())
	}()
	c, err := s.current()
	if err != nil {
		http.Error(sw, "content unavailable", http.StatusInternalServerError)
		return
	}
	switch {
	case host == imdsHost && scheme == "http":
		e.Service = "imds"
		s.serveIMDS(sw, r, e, c)
	case host == entraHost && scheme == "https":
		e.Service = "entra"
		s.serveEntra(sw, r, e, c)
	case host == armHost && scheme == "https":
		e.Service = "arm"
		s.serveARM(sw, r, e, c)
	case strings.HasSuffix(host, vaultDNSSuffix) && scheme == "https":
		e.Service = "keyvault"
		s.serveVault(sw, r, e, c, strings.TrimSuffix(host, vaultDNSSuffix))
	default:
		e.Service, e.Error = "proxy", "NoSuchHost"
		http.Error(sw, fmt.Sprintf("lookup %s: no such host", host), http.StatusBadGateway)
	}
}

func queryNames(r *http.Request) []string {
	var names []string
	for k := range r.URL.Query() {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(status)
	w.Write(data)
}

// connListener hands the tunnelled TLS connections to the inner HTTP server.
type connListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newConnListener() *connListener {
	return &connListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.closed:
		c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *connListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
