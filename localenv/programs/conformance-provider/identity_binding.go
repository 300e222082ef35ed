//go:build identitybinding

package main

import (
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/auth"
	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/provider/types"
)

// Providers with identity binding (useAzureTokenProxy) are built with this file (the builder sets the tag when the
// provider's pkg/auth has SetProxyTransport): they read the flag, ask for a token of the identity-binding audience,
// and set the proxy transport at start-up.
func init() {
	identityFlags[types.UseAzureTokenProxyParameter] = types.GetUseAzureTokenProxy
	tokenAudiences = append(tokenAudiences, auth.IdentityBindingTokenAudience)
	// As the provider's main. Its real transport's constructor is internal to the provider module and reads the
	// in-cluster environment; here every request fails like the network does, which is what the real one does in a
	// namespace with no route.
	auth.SetProxyTransport(unreachableTransport{}, nil)
}
