import { KeyPath, keyPathOf } from "./problems";
import { ApplicationConfig } from "./schema";

/**
 * Component problems name inputs in the component's (often the provider's) words: `secretObjects[0] "x".type`,
 * `vaultName`, `identity.clientID`. These map them to the config key that holds the value, so a message always
 * points at what the user wrote. Unknown forms keep their words, under the key they came from.
 */

/** Config path (under `applications[i]`) of a `where` from the AppWorkload and SecretProviderClass checks. */
export function appKeyPath(where: string, app: ApplicationConfig): KeyPath {
    const renames: Array<[RegExp, (match: RegExpMatchArray) => string]> = [
        [/^secretObjects\[(\d+)\](?: "[^"]*")?/, (m) => `syncedSecrets[${m[1]}]`],
        // Said of a name declared more than once: point at its last declaration, the one to merge or remove.
        [/^secretObjects "([^"]*)"/, (m) => `syncedSecrets[${Math.max(0, app.syncedSecrets.map((s) => s.secretName).lastIndexOf(m[1]))}]`],
        [/^secretObjects/, () => "syncedSecrets"],
        [/^objects\[(\d+)\](?: "[^"]*")?/, (m) => `objects[${m[1]}]`],
        [/^env "([^"]*)"/, (m) => `env[${Math.max(0, app.env.findIndex((e) => e.name === m[1]))}]`],
        [/^identity\.clientID/, () => "identity.clientId"],
    ];
    for (const [pattern, replace] of renames) {
        const match = where.match(pattern);
        if (match) {
            return keyPathOf(replace(match) + where.slice(match[0].length));
        }
    }
    return keyPathOf(where);
}
