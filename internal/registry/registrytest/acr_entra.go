package registrytest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serveLogin plays the Entra ID authority (with instance discovery off, MSAL asks
// for the tenant's OpenID configuration, then the token endpoint) and Azure
// DevOps' OIDC token endpoint.
func (a *ACR) serveLogin(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" && parts[3] == "openid-configuration":
		a.note(r.Method, "/{tenant}/v2.0/.well-known/openid-configuration")
		base := a.login.URL + "/" + parts[0]
		writeJSON(w, http.StatusOK, map[string]string{
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"issuer":                 base + "/v2.0",
		})
	case r.Method == http.MethodPost && len(parts) == 4 && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "token":
		a.note(r.Method, "/{tenant}/oauth2/v2.0/token")
		a.entraToken(w, r, parts[0])
	case r.Method == http.MethodGet && r.URL.Path == "/msi/token":
		a.note(r.Method, "/msi/token")
		a.managedIdentityToken(w, r)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oidctoken"):
		a.note(r.Method, "/{org}/_apis/distributedtask/…/oidctoken")
		a.oidcToken(w, r)
	default:
		a.unknown(w, r)
	}
}

// entraToken: the client credentials grant, with client_secret or a client
// assertion (certificate-signed, or federated).
func (a *ACR) entraToken(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		entraError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: the grant type is not supported by the fake")
		return
	}
	clientID := r.PostForm.Get("client_id")
	a.mu.Lock()
	id, ok := a.identities[clientID]
	a.mu.Unlock()
	if !ok || id.tenant != tenant {
		entraError(w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier was not found in the directory.")
		return
	}
	if !slices.Contains(strings.Fields(r.PostForm.Get("scope")), a.audience+"/.default") {
		entraError(w, http.StatusBadRequest, "invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid.")
		return
	}
	var refusal string // Entra's error_description
	switch assertion := r.PostForm.Get("client_assertion"); {
	case r.PostForm.Has("client_secret"):
		if id.secret == "" || r.PostForm.Get("client_secret") != id.secret {
			refusal = "AADSTS7000215: Invalid client secret provided."
		}
	case r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
		refusal = "AADSTS7000218: The request body must contain client_assertion or client_secret."
	case id.cert != nil:
		refusal = verifyCertAssertion(assertion, id, a.login.URL+"/"+tenant+"/oauth2/v2.0/token")
	case id.assertion == "" || assertion != id.assertion:
		refusal = "AADSTS700213: No matching federated identity record found for presented assertion."
	}
	if refusal != "" {
		entraError(w, http.StatusUnauthorized, "invalid_client", refusal)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
		"access_token": a.MintEntraToken(clientID)})
}

// MintEntraToken returns an Entra access token for ACR's audience that the fake's
// /oauth2/exchange accepts as identity's: what `az login` leaves the Azure CLI
// holding, for a fake `az` to print.
func (a *ACR) MintEntraToken(identity string) string {
	a.mu.Lock()
	tenant := ""
	if id, ok := a.identities[identity]; ok {
		tenant = id.tenant
	}
	a.mu.Unlock()
	tok := mintJWT(map[string]any{"aud": a.audience, "appid": identity, "tid": tenant,
		"exp": a.now().Add(3599 * time.Second).Unix(), "iss": a.login.URL + "/" + tenant + "/v2.0"})
	a.mu.Lock()
	a.entra[tok] = identity
	a.mu.Unlock()
	return tok
}

// EnableManagedIdentity registers a managed identity (clientID) served the way
// App Service serves one: the returned endpoint is IDENTITY_ENDPOINT, header is
// IDENTITY_HEADER.
func (a *ACR) EnableManagedIdentity(clientID, header string, role ACRRole) (endpoint string) {
	a.addIdentity(clientID, &acrIdentity{secret: header, role: role})
	a.mu.Lock()
	a.managed = clientID
	a.mu.Unlock()
	return a.login.URL + "/msi/token"
}

// managedIdentityToken: GET /msi/token?api-version=2019-08-01&resource=…[&client_id=…]
// with X-IDENTITY-HEADER.
func (a *ACR) managedIdentityToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.mu.Lock()
	clientID := a.managed
	id, ok := a.identities[clientID]
	a.mu.Unlock()
	switch {
	case !ok || r.Header.Get("X-IDENTITY-HEADER") != id.secret:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
	case q.Get("api-version") != "2019-08-01" || q.Get("resource") != a.audience || (q.Has("client_id") && q.Get("client_id") != clientID):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unknown identity or resource"})
	default:
		exp := a.now().Add(time.Hour).Unix()
		writeJSON(w, http.StatusOK, map[string]string{"access_token": a.MintEntraToken(clientID),
			"expires_on": strconv.FormatInt(exp, 10), "resource": a.audience, "token_type": "Bearer", "client_id": clientID})
	}
}

// verifyCertAssertion checks MSAL's certificate assertion: a PS256 JWT whose
// x5t#S256 header is the certificate's SHA-256 thumbprint, signed by its key, for
// the token endpoint. It returns Entra's refusal, or "".
func verifyCertAssertion(assertion string, id *acrIdentity, endpoint string) string {
	const bad = "AADSTS700027: Client assertion contains an invalid signature."
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return bad
	}
	var header struct {
		Alg  string `json:"alg"`
		X5tS string `json:"x5t#S256"`
	}
	var claims struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
	}
	if decodeJSONPart(parts[0], &header) != nil || decodeJSONPart(parts[1], &claims) != nil {
		return bad
	}
	thumb := sha256.Sum256(id.cert.Raw)
	key, isRSA := id.cert.PublicKey.(*rsa.PublicKey)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !isRSA || header.Alg != "PS256" || header.X5tS != base64.StdEncoding.EncodeToString(thumb[:]) {
		return bad
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPSS(key, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) != nil {
		return bad
	}
	if claims.Aud != endpoint {
		return "AADSTS700021: Client assertion audience claim does not match Realm issuer."
	}
	return ""
}

func decodeJSONPart(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// oidcToken: Azure DevOps' POST …/oidctoken?api-version=7.1&serviceConnectionId=…
// with the job's System.AccessToken as bearer → {"oidcToken": …}.
func (a *ACR) oidcToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.mu.Lock()
	c, ok := a.connections[q.Get("serviceConnectionId")]
	a.mu.Unlock()
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case q.Get("api-version") != "7.1" || !ok:
		http.Error(w, `{"message":"service connection not found"}`, http.StatusNotFound)
	case tok != c.systemToken:
		w.WriteHeader(http.StatusUnauthorized)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"oidcToken": c.assertion})
	}
}

func entraError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{}})
}
