/**
 * The reader as a user's process runs it behind a proxy: readVaultContents with a client-secret credential, in a
 * process whose environment points the Azure SDK at the Key Vault stand-in (HTTPS_PROXY) and trusts its CA
 * (NODE_EXTRA_CA_CERTS, which Node.js reads only at start: hence a process of its own). Prints the listing as JSON.
 *
 * Environment: READ_VAULT_URL, READ_VAULT_TENANT, READ_VAULT_CLIENT_ID, READ_VAULT_CLIENT_SECRET.
 */
import { ClientSecretCredential } from "@azure/identity";
import { readVaultContents } from "../../components/key-vault/read-contents";

async function main(): Promise<void> {
    const env = (name: string): string => {
        const value = process.env[name];
        if (!value) throw new Error(`${name} is not set`);
        return value;
    };
    const credential = new ClientSecretCredential(env("READ_VAULT_TENANT"), env("READ_VAULT_CLIENT_ID"), env("READ_VAULT_CLIENT_SECRET"));
    const listing = await readVaultContents(env("READ_VAULT_URL"), credential);
    process.stdout.write(JSON.stringify(listing) + "\n");
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
});
