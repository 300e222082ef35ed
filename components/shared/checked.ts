/**
 * Validate once per path: inputs a caller has already checked, and reported together with its own problems, are
 * marked here so the component they are passed to does not check them again. The library's own components and the
 * program mark what they checked; this module is not exported from the package's index.
 */
const checked = new WeakSet<object>();

/** Marks inputs whose checks the caller has run (and reported); returns them. */
export function markChecked<T extends object>(inputs: T): T {
    checked.add(inputs);
    return inputs;
}

/** True for inputs a caller marked as checked. */
export function wasChecked(inputs: object): boolean {
    return checked.has(inputs);
}
