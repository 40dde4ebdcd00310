package fleet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// writeCerts makes a private CA and a server certificate for 127.0.0.1 in
// dir: ca.pem, server.pem, server-key.pem.
func writeCerts(t *testing.T, dir string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "qmpwatch test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	srvDER, err := x509.CreateCertificate(rand.Reader, srv, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	for name, block := range map[string]*pem.Block{
		"ca.pem":         {Type: "CERTIFICATE", Bytes: caDER},
		"server.pem":     {Type: "CERTIFICATE", Bytes: srvDER},
		"server-key.pem": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTLSWithPrivateCA: publisher and reader reach a TLS-only server
// through --nats-tls-ca; without the CA the reader is refused in one line.
func TestTLSWithPrivateCA(t *testing.T) {
	natstest.Need(t)
	dir := t.TempDir()
	writeCerts(t, dir)
	srv := natstest.Start(t, "tls {\n  cert_file: \""+filepath.Join(dir, "server.pem")+"\"\n  key_file: \""+filepath.Join(dir, "server-key.pem")+"\"\n}\n")
	url := strings.Replace(srv.URL(), "nats://", "tls://", 1)
	access := Access{URL: url, TLSCA: filepath.Join(dir, "ca.pem")}
	notes := &syncBuffer{}
	p, err := NewPublisher(PublisherOptions{Access: access, Host: "h", Notes: notes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(0) })
	p.Publish(numbered(t, "vm1", 7))
	flush(t, p, notes)
	r := open(t, ReaderOptions{Access: access, Since: time.Unix(0, 0)})
	checkOrder(t, readN(t, r, 1), map[string][]int{"h/vm1": {7}})

	_, err = Open(t.Context(), ReaderOptions{Access: Access{URL: url}})
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("without the CA: %v", err)
	}
	t.Logf("without the CA: %v", err)
}
