import * as path from "path";

/** SecretProviderClass fixtures: the model's round trip and the migration's adoption tests read the same files. */
export const SPC_FIXTURES = path.resolve(__dirname, "../fixtures/spc");
