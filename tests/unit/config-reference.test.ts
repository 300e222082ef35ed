import { expect } from "chai";
import { readFileSync } from "fs";
import * as path from "path";
import { z } from "zod";
import { CONFIG_REFERENCE_PATH, configReference, renderConfigReference } from "../../program/config-reference";

describe("configuration reference (docs/configuration.md)", () => {
    it("is the committed file, as generated from the schema and the secure-value rules", () => {
        const committed = readFileSync(path.join(__dirname, "..", "..", CONFIG_REFERENCE_PATH), "utf8");
        expect(
            committed === configReference(),
            `${CONFIG_REFERENCE_PATH} is stale: regenerate it with \`npm run docs:config\` and commit it`,
        ).to.equal(true);
    });

    it("lists each key with its type, whether it is required, its default and what it means; a key with modes gets a table per mode", () => {
        const schema = z.strictObject({
            size: z.number().int().default(3).describe("How many."),
            place: z
                .discriminatedUnion("mode", [
                    z.strictObject({ mode: z.literal("here"), room: z.string().describe("Which room.") }),
                    z.strictObject({ mode: z.literal("there") }),
                ])
                .optional()
                .describe("Where."),
        });
        const text = renderConfigReference(schema, { size: { allowed: "yes", why: "A number." } });
        expect(text).to.contain("| `size` | integer | no | `3` | How many. |");
        expect(text).to.contain("| `place` | by `mode`: `here`, `there` | no |  | Where. |");
        expect(text).to.contain("### `place` with mode `here`");
        expect(text).to.contain("| `place.room` | string | yes |  | Which room. |");
        expect(text).to.contain("| `size` | yes | A number. |");
    });
});
