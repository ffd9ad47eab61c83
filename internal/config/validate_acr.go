package config

import (
	"net/url"
	"slices"
	"strings"
)

// How a registry of type acr signs in (registry.auth).
const (
	ACRAuthDefault           = "default"           // the Azure SDK's default chain
	ACRAuthClientSecret      = "clientSecret"      // service principal with a secret
	ACRAuthClientCertificate = "clientCertificate" // service principal with a certificate
	ACRAuthWorkloadIdentity  = "workloadIdentity"  // federated token file (AKS, GitHub Actions)
	ACRAuthAzurePipelines    = "azurePipelines"    // an Azure DevOps service connection
	ACRAuthManagedIdentity   = "managedIdentity"   // system- or user-assigned (clientId)
	ACRAuthAzureCLI          = "azureCli"          // the `az login` session
	ACRAuthBasic             = "basic"             // an ACR token or the admin user
)

// ACRAuths lists the values registry.auth accepts.
func ACRAuths() []string {
	return []string{ACRAuthDefault, ACRAuthClientSecret, ACRAuthClientCertificate, ACRAuthWorkloadIdentity,
		ACRAuthAzurePipelines, ACRAuthManagedIdentity, ACRAuthAzureCLI, ACRAuthBasic}
}

// ACRAuth returns how a registry of type acr signs in: Auth when it is set, else
// what the keys that are set imply (username or password → basic, clientSecret or
// clientSecretFile → clientSecret, clientCertificateFile → clientCertificate,
// serviceConnectionId → azurePipelines, federatedTokenFile → workloadIdentity),
// else default. Validate refuses a config whose keys imply more than one.
func (r Registry) ACRAuth() string {
	if r.Auth != "" {
		return r.Auth
	}
	if implied := r.impliedACRAuths(); len(implied) > 0 {
		return implied[0]
	}
	return ACRAuthDefault
}

func (r Registry) impliedACRAuths() []string {
	var out []string
	for _, c := range []struct {
		auth string
		set  bool
	}{
		{ACRAuthBasic, r.Username != "" || r.Password.IsSet()},
		{ACRAuthClientSecret, r.ClientSecret.IsSet() || r.ClientSecretFile != ""},
		{ACRAuthClientCertificate, r.ClientCertificateFile != ""},
		{ACRAuthAzurePipelines, r.ServiceConnectionID != ""},
		{ACRAuthWorkloadIdentity, r.FederatedTokenFile != ""},
	} {
		if c.set {
			out = append(out, c.auth)
		}
	}
	return out
}

// acrKeysFor lists the acr keys an auth method uses; ok is false for an unknown one.
// auth, audience and the shared keys (url, caFile, …) are always allowed.
func acrKeysFor(auth string) (keys []string, ok bool) {
	entra := []string{"tenantId", "clientId", "authorityHost"}
	switch auth {
	case ACRAuthDefault, ACRAuthWorkloadIdentity:
		return append(entra, "federatedTokenFile"), true
	case ACRAuthClientSecret:
		return append(entra, "clientSecret", "clientSecretFile"), true
	case ACRAuthClientCertificate:
		return append(entra, "clientCertificateFile", "clientCertificatePassword"), true
	case ACRAuthAzurePipelines:
		return append(entra, "serviceConnectionId", "systemAccessToken"), true
	case ACRAuthManagedIdentity:
		return []string{"clientId"}, true
	case ACRAuthAzureCLI:
		return []string{"tenantId"}, true
	case ACRAuthBasic:
		return []string{"username", "password"}, true
	}
	return nil, false
}

// acr checks the keys only a registry of type acr uses.
func (v *checker) acr(r *Registry) {
	set := []struct {
		key string
		set bool
	}{
		{"tenantId", r.TenantID != ""},
		{"clientId", r.ClientID != ""},
		{"clientSecret", r.ClientSecret.IsSet() && !r.clientSecretFromFile},
		{"clientSecretFile", r.ClientSecretFile != ""},
		{"clientCertificateFile", r.ClientCertificateFile != ""},
		{"clientCertificatePassword", r.ClientCertificatePassword.IsSet()},
		{"serviceConnectionId", r.ServiceConnectionID != ""},
		{"systemAccessToken", r.SystemAccessToken.IsSet()},
		{"federatedTokenFile", r.FederatedTokenFile != ""},
		{"authorityHost", r.AuthorityHost != ""},
		{"username", r.Username != ""},
		{"password", r.Password.IsSet()},
	}
	if r.Type != "acr" {
		for _, s := range set[:len(set)-2] {
			if s.set {
				v.add("registry."+s.key, "only used with type acr")
			}
		}
		for _, k := range []struct{ key, value string }{{"auth", r.Auth}, {"audience", r.Audience}} {
			if k.value != "" {
				v.add("registry."+k.key, "only used with type acr")
			}
		}
		return
	}
	if implied := r.impliedACRAuths(); r.Auth == "" && len(implied) > 1 {
		v.add("registry.auth", "the keys set fit more than one way to sign in (%s): set auth to one of them", strings.Join(implied, ", "))
		return
	}
	auth := r.ACRAuth()
	keys, ok := acrKeysFor(auth)
	if !ok {
		v.add("registry.auth", "%s is not one of %s", v.m.show("registry.auth", r.Auth), strings.Join(ACRAuths(), ", "))
		return
	}
	how := "auth " + auth
	if r.Auth == "" {
		how += " (inferred from the keys that are set; set registry.auth to choose)"
	}
	for _, s := range set {
		if s.set && !slices.Contains(keys, s.key) {
			v.add("registry."+s.key, "not used with %s", how)
		}
	}
	v.acrURL(r)
	v.acrCredentials(r, auth)
}

// acrURL checks what ACR needs of the addresses: https only, no skipped TLS checks.
func (v *checker) acrURL(r *Registry) {
	if u, err := parseRegistryURL(r.URL); err == nil && u.explicit && u.scheme == "http" {
		v.add("registry.url", "type acr talks https only; write the login server, e.g. myregistry.azurecr.io")
	}
	if r.Insecure {
		v.add("registry.insecure", "not used with type acr (https only); for a private CA set registry.caFile")
	}
	for _, k := range []struct{ key, value string }{{"authorityHost", r.AuthorityHost}, {"audience", r.Audience}} {
		if k.value == "" {
			continue
		}
		u, err := url.Parse(k.value)
		switch {
		case err != nil || u.Hostname() == "":
			v.add("registry."+k.key, "%s is not a URL", v.m.show("registry."+k.key, k.value))
		case u.Scheme != "https":
			v.add("registry."+k.key, "use https://")
		case u.User != nil || u.RawQuery != "":
			v.add("registry."+k.key, "want scheme, host and path only")
		}
	}
}

// acrCredentials checks that the chosen auth method has what it needs.
func (v *checker) acrCredentials(r *Registry, auth string) {
	switch auth {
	case ACRAuthClientSecret:
		switch {
		case r.ClientSecret.IsSet() && !r.clientSecretFromFile && r.ClientSecretFile != "":
			v.add("registry.clientSecretFile", "set clientSecret or clientSecretFile, not both")
		case r.ClientSecretFile != "" && r.clientSecretFromFile && !r.ClientSecret.IsSet():
			v.add("registry.clientSecretFile", "the file is empty")
		case !r.ClientSecret.IsSet() && r.ClientSecretFile == "":
			v.add("registry.clientSecret", "required with auth clientSecret: clientSecret or clientSecretFile")
		}
		if r.TenantID == "" || r.ClientID == "" {
			v.add("registry.clientSecret", "a service principal needs tenantId and clientId too")
		}
	case ACRAuthClientCertificate:
		v.required("registry.clientCertificateFile", r.ClientCertificateFile, "a PEM or PKCS#12 file with the certificate and its private key")
		if r.TenantID == "" || r.ClientID == "" {
			v.add("registry.clientCertificateFile", "a service principal needs tenantId and clientId too")
		}
	case ACRAuthAzurePipelines:
		v.required("registry.tenantId", r.TenantID, "the tenant of the service connection's identity")
		v.required("registry.clientId", r.ClientID, "the client id of the service connection's identity")
		v.required("registry.serviceConnectionId", r.ServiceConnectionID, "the id of the Azure DevOps service connection")
		v.required("registry.systemAccessToken", r.SystemAccessToken.Reveal(), "${SYSTEM_ACCESSTOKEN}, mapped into the step's env")
	case ACRAuthBasic:
		if r.Username == "" && !r.Password.IsSet() {
			v.add("registry.username", "required with auth basic: username and password of an ACR token or the admin user")
		}
	}
}
