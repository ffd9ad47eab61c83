package acr

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Auth is how a Client signs in. The values are those of the config key
// registry.auth.
type Auth string

// The ways to sign in.
const (
	AuthDefault           Auth = "default"           // azidentity's default chain: env, workload identity, managed identity, az, azd, PowerShell
	AuthClientSecret      Auth = "clientSecret"      // service principal: TenantID, ClientID, ClientSecret
	AuthClientCertificate Auth = "clientCertificate" // service principal: TenantID, ClientID, CertificateFile
	AuthWorkloadIdentity  Auth = "workloadIdentity"  // federated token file: AKS, GitHub Actions (AZURE_* env as fallback)
	AuthAzurePipelines    Auth = "azurePipelines"    // an Azure DevOps service connection (workload identity federation)
	AuthManagedIdentity   Auth = "managedIdentity"   // system-assigned, or user-assigned with ClientID
	AuthAzureCLI          Auth = "azureCli"          // the `az login` session
	AuthBasic             Auth = "basic"             // an ACR token or the admin user: Username, Password
)

// Credentials say how a Client signs in. Only the fields its Auth uses are read.
type Credentials struct {
	Auth                Auth // "" means AuthDefault
	TenantID, ClientID  string
	ClientSecret        string
	CertificateFile     string // PEM or PKCS#12 holding the certificate and its private key
	CertificatePassword string // for an encrypted PKCS#12 file
	ServiceConnectionID string // azurePipelines
	SystemAccessToken   string // azurePipelines: the job's System.AccessToken
	FederatedTokenFile  string // workloadIdentity; "" means $AZURE_FEDERATED_TOKEN_FILE
	Username, Password  string // basic
	// AuthorityHost is the Entra ID authority for sovereign clouds and Azure Stack
	// (https://login.chinacloudapi.cn/, https://login.microsoftonline.us/, …). When
	// set, Entra instance discovery is turned off: it would ask the public cloud.
	AuthorityHost string
	// Audience is the Entra ID audience of ACR (default DefaultAudience).
	Audience string
}

func (c Credentials) auth() Auth {
	if c.Auth == "" {
		return AuthDefault
	}
	return c.Auth
}

// newCredential builds the azidentity credential for c; nil for basic credentials,
// which the basicTokens layer handles. noRetry is the transport without the retry
// layer, for the one credential that retries on its own.
func newCredential(c Credentials, co azcore.ClientOptions, noRetry http.RoundTripper) (azcore.TokenCredential, error) {
	disco := c.AuthorityHost != "" // DisableInstanceDiscovery
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch c.auth() {
	case AuthBasic:
		return nil, nil
	case AuthDefault:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: co, TenantID: c.TenantID, DisableInstanceDiscovery: disco})
	case AuthClientSecret:
		cred, err = azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, c.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: disco})
	case AuthClientCertificate:
		cred, err = certificateCredential(c, co, disco)
	case AuthWorkloadIdentity:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, TenantID: c.TenantID, ClientID: c.ClientID, TokenFilePath: c.FederatedTokenFile,
			DisableInstanceDiscovery: disco})
	case AuthAzurePipelines:
		cred, err = azidentity.NewAzurePipelinesCredential(c.TenantID, c.ClientID, c.ServiceConnectionID, c.SystemAccessToken,
			&azidentity.AzurePipelinesCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: disco})
	case AuthManagedIdentity:
		// azidentity retries IMDS itself (it answers 404 and 410 while it starts): the
		// zero Retry asks for that, and the transport then must not retry again.
		co.Retry, co.Transport = policy.RetryOptions{}, &http.Client{Transport: noRetry}
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if c.ClientID != "" {
			o.ID = azidentity.ClientID(c.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(o)
	case AuthAzureCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: c.TenantID})
	default:
		return nil, fmt.Errorf("setting up the ACR credential: unknown auth %q", c.Auth)
	}
	if err != nil {
		// azidentity's constructor errors name missing settings, never a secret.
		return nil, fmt.Errorf("setting up the %s credential: %s", c.auth(), compact(err.Error()))
	}
	return credential{inner: cred, auth: c.auth()}, nil
}

func certificateCredential(c Credentials, co azcore.ClientOptions, disco bool) (azcore.TokenCredential, error) {
	data, err := os.ReadFile(c.CertificateFile)
	if err != nil {
		return nil, fmt.Errorf("reading registry.clientCertificateFile: %w", err)
	}
	var pw []byte
	if c.CertificatePassword != "" {
		pw = []byte(c.CertificatePassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, pw)
	if err != nil {
		return nil, fmt.Errorf("reading registry.clientCertificateFile: %s", compact(err.Error()))
	}
	return azidentity.NewClientCertificateCredential(c.TenantID, c.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: disco})
}

// credential marks the errors of getting an Entra ID token, so that they map to
// registry.ErrUnauthorized (exit code 2) whatever the SDK wraps them in.
type credential struct {
	inner azcore.TokenCredential
	auth  Auth
}

func (c credential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.inner.GetToken(ctx, o)
	if err != nil {
		return tok, &credentialError{auth: c.auth, msg: compact(err.Error()), ctxErr: ctx.Err()}
	}
	return tok, nil
}

// credentialError holds the text of an azidentity error, not the error itself, so
// that no SDK type leaves the package.
type credentialError struct {
	auth   Auth
	msg    string
	ctxErr error // the context had ended: not a refusal
}

func (e *credentialError) Error() string {
	return fmt.Sprintf("getting an Entra ID token (auth %s): %s", e.auth, e.msg)
}

func (e *credentialError) Unwrap() error { return e.ctxErr }
