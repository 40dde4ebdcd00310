package metrics

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/source"
)

func get(t *testing.T, h http.Handler, method, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

func TestHealth(t *testing.T) {
	h := NewHealth("unix:/run/vm1.qmp")
	h.Watch("/run/qemu")
	h.Watch("/run/qmpwatch.sock")
	c := New(Options{})
	srv := Handler(c, h)
	if code, body := get(t, srv, "GET", "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz at start: %d %q", code, body)
	}
	// Retrying as configured is healthy; a socket the folder watch found
	// is not a configured source.
	h.Status(source.Status{Kind: source.Unreachable, Addr: "unix:/run/vm1.qmp", Err: errors.New("refused"), Retrying: true})
	h.Status(source.Status{Kind: source.Disconnected, Addr: "unix:/run/qemu/vm2.qmp", Err: errors.New("gone")})
	if code, _ := get(t, srv, "GET", "/healthz"); code != 200 {
		t.Errorf("healthz while retrying: %d", code)
	}
	h.Status(source.Status{Kind: source.Disconnected, Addr: "unix:/run/vm1.qmp", VM: "vm1", Err: errors.New("QEMU closed the connection")})
	code, body := get(t, srv, "GET", "/healthz")
	if code != 503 || !strings.Contains(body, "unix:/run/vm1.qmp: not connected and not retrying: QEMU closed the connection") {
		t.Errorf("healthz after a final disconnect: %d %q", code, body)
	}
	h.Status(source.Status{Kind: source.Connected, Addr: "unix:/run/vm1.qmp", VM: "vm1"})
	if code, _ := get(t, srv, "GET", "/healthz"); code != 200 {
		t.Errorf("healthz after connecting again: %d", code)
	}
	// A VM that dialled the listener leaves: the listener is fine.
	h.Status(source.Status{Kind: source.Disconnected, Addr: "/run/qmpwatch.sock", VM: "vm3", Err: errors.New("QEMU closed the connection")})
	if code, _ := get(t, srv, "GET", "/healthz"); code != 200 {
		t.Errorf("healthz after a dialled-in VM left: %d", code)
	}
	// The listener itself failing for good is not.
	h.Status(source.Status{Kind: source.Unreachable, Addr: "/run/qmpwatch.sock", Err: errors.New("accept: too many open files"), Failure: true})
	if code, body := get(t, srv, "GET", "/healthz"); code != 503 || !strings.Contains(body, "/run/qmpwatch.sock: not connected and not retrying: accept") {
		t.Errorf("healthz after the listener failed: %d %q", code, body)
	}
}

func TestHandler(t *testing.T) {
	c := New(Options{})
	feed(c, event(t, "vm1", "STOP", ""))
	srv := Handler(c, NewHealth())
	if code, body := get(t, srv, "GET", "/"); code != 200 || !strings.Contains(body, "/metrics") || !strings.Contains(body, "/healthz") {
		t.Errorf("index: %d %q", code, body)
	}
	if code, _ := get(t, srv, "GET", "/nothing"); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
	code, body := get(t, srv, "GET", "/metrics")
	if code != 200 || !strings.Contains(body, `qmpwatch_events_total{vm="vm1",event="STOP"} 1`) || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics: %d %q", code, body)
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		for _, p := range []string{"/", "/metrics", "/healthz"} {
			if code, _ := get(t, srv, m, p); code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d", m, p, code)
			}
		}
	}
}

func TestServer(t *testing.T) {
	if _, err := Listen("127.0.0.1:0", "cert.pem", "", http.NotFoundHandler()); err == nil {
		t.Error("a certificate without a key was accepted")
	}
	if _, err := Listen("127.0.0.1:0", "/nonexistent/cert.pem", "/nonexistent/key.pem", http.NotFoundHandler()); err == nil {
		t.Error("missing TLS files were accepted")
	}
	s, err := Listen("127.0.0.1:0", "", "", Handler(New(Options{}), NewHealth()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("%s: %d", s.URL(), resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key in dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "qmpwatch test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServerTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	c := New(Options{})
	feed(c, event(t, "vm1", "STOP", ""))
	s, err := Listen("127.0.0.1:0", certFile, keyFile, Handler(c, NewHealth()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Errorf("URL %s", s.URL())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `event="STOP"`) {
		t.Errorf("https /metrics: %d %.200s", resp.StatusCode, b)
	}
	// Plain HTTP to the TLS port gets no metrics.
	if resp, err := http.Get(strings.Replace(s.URL(), "https://", "http://", 1)); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "qmpwatch_up") {
			t.Error("metrics served without TLS")
		}
	}
}

// TestHealthAlso: a check that is not a source (the fleet publisher's
// Problem) makes /healthz fail while it reports one, and only then.
func TestHealthAlso(t *testing.T) {
	h := NewHealth()
	problem := ""
	h.Also(func() string { return problem })
	srv := Handler(New(Options{}), h)
	if code, _ := get(t, srv, "GET", "/healthz"); code != 200 {
		t.Errorf("healthz while the check is fine: %d", code)
	}
	problem = "publishing to nats://h:4222 stuck for 31s, 7 events waiting: server unreachable"
	if code, body := get(t, srv, "GET", "/healthz"); code != 503 || !strings.Contains(body, problem) {
		t.Errorf("healthz while the check fails: %d %q", code, body)
	}
}
