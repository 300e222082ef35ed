import { KeyVaultObjectSelection, expandObjectSelections } from "../components/key-vault/selection";
import { METADATA_READER_ROLE } from "../components/key-vault/content-checks";
import { VaultListing } from "../components/key-vault/contents";
import { Problem } from "../components/shared/validation";
import { appWorkloadProblems } from "../components/workload/validate";
import { ConfigProblem, keyPathOf } from "./problems";
import { ApplicationConfig, StackConfig } from "./schema";
import { placeholderPlatform, selectionEntries, selectionProblemAt, toAppWorkloadArgs } from "./config";

/**
 * An app's `selectObjects` at preview and up time: expanded against the vault's listing into explicit objects, appended
 * to the app's written `objects`, before anything is declared, so the program (its SecretProviderClass, its roles)
 * sees only explicit objects and the diff shows which objects a selection added or dropped.
 */

/** Each app's selections expanded, and what the expansion found. */
export interface AppSelectionExpansion {
    /** The config with each app's selected objects after its written ones (`selectObjects` kept: expanding again adds nothing). */
    config: StackConfig;
    /** What keeps a selection from expanding, or an expanded object from being mounted: these fail the preview. */
    problems: ConfigProblem[];
    /** Selections that match nothing, and matching objects left out. */
    warnings: ConfigProblem[];
    /**
     * Per app, per object of the expanded `objects`: the `selectObjects` index that selected it, undefined for a
     * written object, so a finding about an object lands at the key the user wrote.
     */
    selectedBy: Array<Array<number | undefined>>;
}

/** `text` with each `objects[n]` of a selected object named as the selection that took it: `selectObjects[k]`. */
export function renameSelectedObjects(text: string, selectedBy: ReadonlyArray<number | undefined>): string {
    return text.replace(/\bobjects\[(\d+)\]/g, (reference, position: string) => {
        const selection = selectedBy[Number(position)];
        return selection === undefined ? reference : `selectObjects[${selection}]`;
    });
}

/**
 * A finding about an app's expanded objects at the key the user wrote: `objects[n]` for a written object, the
 * selection that took it for a selected one (whose own fields are not in the config), and the same in the message's
 * references to other objects, so no message names an `objects[n]` the config does not have.
 */
export function expandedObjectProblemAt(
    index: number,
    app: ApplicationConfig,
    selectedBy: ReadonlyArray<number | undefined>,
    problem: Problem,
    context = `app "${app.name}"`,
): ConfigProblem {
    const rename = (text: string) => renameSelectedObjects(text, selectedBy);
    const position = /^objects\[(\d+)\]/.exec(problem.where);
    const selection = position ? selectedBy[Number(position[1])] : undefined;
    if (position && selection !== undefined) {
        const object = app.objects[Number(position[1])];
        return {
            path: ["applications", index, "selectObjects", selection],
            context: `${context}, selected ${object.objectType} "${object.objectName}"`,
            message: rename(problem.message),
            fix: problem.fix,
        };
    }
    return {
        path: ["applications", index, ...keyPathOf(problem.where)],
        context,
        message: rename(problem.message),
        fix: problem.fix,
    };
}

/** Why there is no listing to expand selections against, and how to get one, from the config. */
export function selectionWithoutListingProblem(config: StackConfig, index: number): ConfigProblem {
    const app = config.applications[index];
    const listObjects = "list the objects by name in `objects`";
    const base = {
        path: ["applications", index, "selectObjects"],
        context: `app "${app.name}"`,
    };
    if (config.platformStack !== undefined || !config.keyVault) {
        return {
            ...base,
            message:
                "selects objects by pattern, which needs the vault check's listing of the vault, but an app stack does not read its platform stack's vault",
            fix: `${listObjects}, or declare the app in the platform stack`,
        };
    }
    if (!config.keyVault.checkContents) {
        return {
            ...base,
            message: "selects objects by pattern, which needs the vault check's listing of the vault, but keyVault.checkContents is false",
            fix: `set keyVault.checkContents: true (the identity that runs the preview needs the ${METADATA_READER_ROLE} role on the vault), or ${listObjects}`,
        };
    }
    return {
        ...base,
        message: `selects objects by pattern, which needs the vault check's listing of the vault, but Key Vault "${config.keyVault.name}" could not be read (see the warning at keyVault)`,
        fix: `give the identity that runs the preview the ${METADATA_READER_ROLE} role on the vault and a route to it, or ${listObjects}`,
    };
}

/**
 * Expands each app's `selectObjects` against the listing (pure: `now` is the caller's clock): its selected objects
 * after its written ones (without those it writes), in a stable order; then the expanded objects go through the
 * app's own checks (file names, aliases, collisions), as written ones do in the config checks. Without a listing an
 * app with selections is a problem; a config without selections comes back as it is.
 */
export function expandAppSelections(config: StackConfig, listing: VaultListing | undefined, now: Date): AppSelectionExpansion {
    const problems: ConfigProblem[] = [];
    const warnings: ConfigProblem[] = [];
    const selectedBy: Array<Array<number | undefined>> = [];
    const applications = config.applications.map((app, index) => {
        const selections = selectionEntries(app);
        selectedBy.push(app.objects.map(() => undefined));
        if (selections.length === 0) {
            return app;
        }
        if (!listing) {
            problems.push(selectionWithoutListingProblem(config, index));
            return app;
        }
        const options = { now, describeEntry: (position: number) => `selectObjects[${position - app.objects.length}]` };
        const expansion = expandObjectSelections([...app.objects, ...selections], listing, options);
        problems.push(...expansion.problems.map((problem) => selectionProblemAt(index, app, problem)));
        warnings.push(...expansion.warnings.map((warning) => selectionProblemAt(index, app, warning)));
        if (expansion.problems.length > 0) {
            return app;
        }
        const expanded = { ...app, objects: expansion.objects };
        selectedBy[index] = expansion.objects.map((object, position) =>
            position < app.objects.length ? undefined : selectionOf(object, selections, listing, now),
        );
        if (expanded.objects.length === 0) {
            problems.push({
                path: ["applications", index, "selectObjects"],
                context: `app "${app.name}"`,
                message: `selects no object of Key Vault "${listing.vaultName}" and the app lists none in \`objects\`, so the pod would mount nothing`,
                fix: "correct the selections (see the warnings), or list the objects by name in `objects`",
            });
            return app;
        }
        problems.push(
            ...appWorkloadProblems(app.name, toAppWorkloadArgs(expanded, placeholderPlatform)).map((problem) =>
                expandedObjectProblemAt(index, expanded, selectedBy[index], problem),
            ),
        );
        return expanded;
    });
    return { config: { ...config, applications }, problems, warnings, selectedBy };
}

/** The first selection that, alone, selects `object`. */
function selectionOf(
    object: { objectName: string; objectType: string },
    selections: readonly KeyVaultObjectSelection[],
    listing: VaultListing,
    now: Date,
): number | undefined {
    const position = selections.findIndex((selection) =>
        expandObjectSelections([selection], listing, { now }).objects.some(
            (selected) => selected.objectType === object.objectType && selected.objectName === object.objectName,
        ),
    );
    return position === -1 ? undefined : position;
}
