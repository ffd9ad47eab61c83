package registrytest

import "crypto/x509"

// AddServicePrincipal registers an app that signs in with a client secret.
func (a *ACR) AddServicePrincipal(tenant, clientID, secret string, role ACRRole) {
	a.addIdentity(clientID, &acrIdentity{tenant: tenant, secret: secret, role: role})
}

// AddCertificatePrincipal registers an app that signs in with a certificate: its
// client assertion must be signed by the certificate's key.
func (a *ACR) AddCertificatePrincipal(tenant, clientID string, cert *x509.Certificate, role ACRRole) {
	a.addIdentity(clientID, &acrIdentity{tenant: tenant, cert: cert, role: role})
}

// AddFederatedPrincipal registers an app with a federated credential: Entra accepts
// assertion (the content of a workload identity's token file) as its proof.
func (a *ACR) AddFederatedPrincipal(tenant, clientID, assertion string, role ACRRole) {
	a.addIdentity(clientID, &acrIdentity{tenant: tenant, assertion: assertion, role: role})
}

// AddAzurePipelines registers an Azure DevOps service connection with workload
// identity federation: the OIDC endpoint it returns (SYSTEM_OIDCREQUESTURI) hands
// a job holding systemToken an assertion that Entra accepts for clientID.
func (a *ACR) AddAzurePipelines(tenant, clientID, serviceConnectionID, systemToken string, role ACRRole) (oidcRequestURI string) {
	assertion := "ado-oidc-" + serviceConnectionID + "-" + randomID()
	a.AddFederatedPrincipal(tenant, clientID, assertion, role)
	a.mu.Lock()
	a.connections[serviceConnectionID] = acrConnection{clientID, systemToken, assertion}
	a.mu.Unlock()
	return a.login.URL + "/contoso/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken"
}

// AddBasicUser registers an ACR token or admin user for basic authentication.
func (a *ACR) AddBasicUser(user, pass string, role ACRRole) {
	a.addIdentity("basic:"+user, &acrIdentity{secret: pass, role: role})
}

func (a *ACR) addIdentity(key string, id *acrIdentity) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.identities[key] = id
}

// SetRole changes what an identity (client id, or "basic:"+user) may do, from the
// next token it gets on.
func (a *ACR) SetRole(identity string, role ACRRole) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if id, ok := a.identities[identity]; ok {
		id.role = role
	}
}
