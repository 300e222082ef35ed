/** Real-engine measurements on the local stack; filled in by the end-to-end work (needs the toolchain). */
export function realEngineRows(_sizes: number[]): string[] {
    throw new Error("the real-engine benchmark needs the local stack harness (tests/e2e), which is not built yet");
}
