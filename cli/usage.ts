/** The help text of the `aks-keyvault-secrets` command (`--help`, and after every usage error). */
export const USAGE = `Usage:
  aks-keyvault-secrets migrate [options] <file|directory|->...
  aks-keyvault-secrets check-names --stack-config <Pulumi.<stack>.yaml> [--existing-secrets <file>] <file|directory|->...
  aks-keyvault-secrets doctor [--kubeconfig PATH] [--context NAME] [--namespace NS] [--stack-outputs FILE]
                              [--output text|json] [--recent SECONDS]

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

doctor reads a cluster as kubectl does (KUBECONFIG or ~/.kube/config, the current context; exec plugins
such as kubelogin work) and prints, per app, its pods, whether they mounted, the last rotation and its
synced Secrets (names, keys and owners: it reads Secret metadata only, never a value), and for each
failure the cause and the fix (a missing role with its az command, an object not in the vault, a
federated credential that does not match, a class in another namespace, env from a synced Secret
without the volume, a Secret akv2k8s also writes, throttling, the addon not enabled). docs/doctor.md.

doctor options:
      --kubeconfig <path>         kubeconfig to read (default: KUBECONFIG, then ~/.kube/config)
      --context <name>            context to use (default: the current context)
      --namespace <ns>            only this namespace's apps
      --stack-outputs <file>      pulumi stack output --json of a stack of this program: its apps by
                                  name, the vault's ID and the OIDC issuer (default: one app per class)
      --output <text|json>        text (default) or JSON
      --recent <seconds>          how old a Ready pod's warning may be and still count (default 300)

doctor exit codes: 0 every app healthy; 3 an app (or the cluster's addon) is failing; 4 the cluster
could not be read (kubeconfig, context, connection, permissions); 1 bad options.

migrate exit codes: 0 everything converted; 2 converted what has an equivalent, manual work remains (see
the report); 1 error (unreadable input, unsafe names, bad options): nothing written.
`;
