// The few error classes the app raises; cli/ maps them to one-line messages and exit codes.

export type ErrorCode = "usage" | "content" | "not-found" | "cancelled" | "runtime" | "internal";

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const usageError = (msg: string) => new AppError("usage", msg);
export const notFound = (msg: string) => new AppError("not-found", msg);
export const runtimeError = (msg: string) => new AppError("runtime", msg);
export const cancelled = (msg = "cancelled") => new AppError("cancelled", msg);

/** Exit status for an error: 2 for usage and content problems, 130 for a cancelled prompt, else 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof AppError) {
    if (err.code === "usage" || err.code === "content" || err.code === "not-found") return 2;
    if (err.code === "cancelled") return 130;
  }
  return 1;
}
