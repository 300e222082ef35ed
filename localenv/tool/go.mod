// The local environment's one tool (localenv/localenv runs it): builds the toolchain, starts and stops the local
// cluster, its node and what delivers secrets to its pods. Standard library only.
module aks-keyvault-secrets/localenv

go 1.26
