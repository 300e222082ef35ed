/**
 * Runs our validator on cases in a child process with a heap limit, so that a case that exhausts memory or
 * hangs fails the suite with its id instead of killing the test process (see our-validator.ts).
 */
import { secretProviderClassArgsProblems } from "../../components/secret-provider-class/component";
import { formatProblem } from "../../components/shared/validation";
import { GeneratedCase } from "./generator";

process.once("message", (cases: Array<{ id: string; generated: GeneratedCase }>) => {
    for (const { id, generated } of cases) {
        // Announced first: if this case exhausts the heap, the parent knows which one it was.
        process.send!({ started: id });
        const started = performance.now();
        const problems = secretProviderClassArgsProblems(generated.className, generated.args).map(formatProblem);
        process.send!({ id, problems, millis: performance.now() - started });
    }
    // The parent disconnects on this message, once every verdict before it has arrived.
    process.send!({ done: true });
});
