package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/containers/azcontainerregistry"
)

// acrRegistry is the original algorithm on ACR through the Azure SDK, as the
// script's Az cmdlets do: the catalog and tag listings of /acr/v1, and the untag.
type acrRegistry struct{ c *azcontainerregistry.Client }

func newACRRegistry(l ACRLogin) (acrRegistry, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(l.CAPEM)) {
		return acrRegistry{}, errors.New("reading the ACR fake's certificate")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	co := azcore.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: l.Authority, Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azcontainerregistry.ServiceName: {Audience: "https://containerregistry.azure.net"}}},
		Transport: &http.Client{Transport: tr},
	}
	cred, err := azidentity.NewClientSecretCredential(l.Tenant, l.ClientID, l.Secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: true})
	if err != nil {
		return acrRegistry{}, err
	}
	c, err := azcontainerregistry.NewClient("https://"+l.Host, cred, &azcontainerregistry.ClientOptions{ClientOptions: co})
	return acrRegistry{c}, err
}

func (r acrRegistry) repositories(ctx context.Context) ([]string, error) {
	var out []string
	for p := r.c.NewListRepositoriesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range page.Names {
			out = append(out, *n)
		}
	}
	return out, nil
}

func (r acrRegistry) tags(ctx context.Context, repo string) ([]string, error) {
	var out []string
	for p := r.c.NewListTagsPager(repo, nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Tags {
			out = append(out, *t.Name)
		}
	}
	return out, nil
}

func (r acrRegistry) delete(ctx context.Context, repo, tag string) error {
	_, err := r.c.DeleteTag(ctx, repo, tag, nil)
	return err
}
