package natstest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// StartWithCreds starts a real server in NATS's JWT mode (an operator, a system
// account, an account with JetStream, resolver in memory) and a credentials
// file of a user of that account: what --nats-creds is for.
func StartWithCreds(t testing.TB) (srv *Server, creds string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opub, _ := okp.PublicKey()
	account := func(name string, js bool) (nkeys.KeyPair, string, string) {
		kp, err := nkeys.CreateAccount()
		must(err)
		pub, _ := kp.PublicKey()
		c := jwt.NewAccountClaims(pub)
		c.Name = name
		if js {
			c.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		tok, err := c.Encode(okp)
		must(err)
		return kp, pub, tok
	}
	_, syspub, systok := account("SYS", false)
	akp, apub, atok := account("VMS", true)
	oc := jwt.NewOperatorClaims(opub)
	oc.Name = "qmpwatch-test"
	oc.SystemAccount = syspub
	otok, err := oc.Encode(okp)
	must(err)

	ukp, err := nkeys.CreateUser()
	must(err)
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	uc.Name = "agent"
	utok, err := uc.Encode(akp)
	must(err)
	seed, _ := ukp.Seed()
	file, err := jwt.FormatUserConfig(utok, seed)
	must(err)
	creds = filepath.Join(t.TempDir(), "agent.creds")
	must(os.WriteFile(creds, file, 0o600))

	srv = Start(t, "operator: "+otok+"\nsystem_account: "+syspub+"\nresolver: MEMORY\nresolver_preload: {\n  "+
		syspub+": "+systok+"\n  "+apub+": "+atok+"\n}\n")
	return srv, creds
}
