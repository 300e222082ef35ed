/** When the mock monitor received the first and the last resource (ms since process start): the benchmark's clock. */
import { performance } from "perf_hooks";
import { Registration, registrations } from "../../tests/mocks";

export interface RegistrationClock {
    first?: number;
    last?: number;
}

/** Starts timing registrations as the shared mocks record them. */
export function startRegistrationClock(): RegistrationClock {
    const clock: RegistrationClock = {};
    const push = registrations.push.bind(registrations);
    registrations.push = (...items: Registration[]) => {
        const now = performance.now();
        clock.first ??= now;
        clock.last = now;
        return push(...items);
    };
    return clock;
}
