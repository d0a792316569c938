// Performance marks the window benchmark reads to tell where the time to rows went (start-up
// and searches): each name keeps only its latest entry, so a day of reads adds nothing.

/** Marks the moment a step last happened. */
export function markLatest(name: string) {
  performance.clearMarks(name);
  performance.mark(name);
}
