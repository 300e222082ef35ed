/** The help text of the `aks-keyvault-secrets` command (`--help`, and after every usage error). */
export const USAGE = `Usage:
  aks-keyvault-secrets migrate [options] <file|directory|->...
  aks-keyvault-secrets check-names --stack-config <Pulumi.<stack>.yaml> [--existing-secrets <file>] <file|directory|->...

migrate reads AzureKeyVaultSecret manifests (spv.no/v1alpha1, v1, v2alpha1, v2beta1), workloads
(Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), SecretProviderClasses, Namespaces and
Ingresses from YAML or JSON files, directories (*.yaml, *.yml, *.json, recursively) or stdin ("-"),
including multi-document files and List output such as \`kubectl get akvs,deploy,sts -A -o yaml\`.
It writes the stack config of the apps (aks-keyvault-secrets:applications, one document per Key Vault),
patched workload manifests and a report. It never needs or reads secret values.

migrate options:
  -o, --out <dir>                 write stack-config.<vault>.yaml, workloads/*.yaml, report.txt (and
                                  apps.<vault>.ts) into <dir>; without it the stack config goes to stdout
      --typescript                also write apps.<vault>.ts (AppWorkload components); needs --out
      --ts-import <module>        module the TypeScript imports from (default "aks-keyvault-secrets")
      --app-name <sel>=<name>     name the app of <sel> = NAMESPACE (one app there) or NAMESPACE/VAULT;
                                  repeatable (default: the namespace, or namespace-vault)
      --identity <mode>           identity of converted apps: addon (default), workloadIdentity (the
                                  program creates one) or workloadIdentity:<client-id>
      --secret-suffix <suffix>    suffix of synced Secrets replacing akv2k8s Secrets (default "-csi")
      --secret-name <ns>/<old>=<new>  name of the synced Secret replacing akv2k8s Secret <old>; refused
                                  when it collides; repeatable
      --existing-secrets <file>   more Secrets synced Secrets must not overwrite: one "namespace/name" or
                                  "namespace name" per line (e.g. kubectl get secrets -A --no-headers
                                  -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name)
      --namespace <ns>            namespace of manifests without one (default "default")
      --addon-client-id <guid>    client ID of the cluster's addon identity (adopted classes using it)
  -h, --help                      show this help

Exit codes: 0 everything converted; 2 converted what has an equivalent, manual work remains (see
the report); 1 error (unreadable input, unsafe names, bad options): nothing written.
`;
